import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// A launch sets only the arguments that changed since the kernel's last launch, and CPU devices get a fixed
/// work-group size; neither may change what a kernel computes.
@Suite struct KernelLaunchTests {
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func relaunchingWithSomeArgumentsChangedUsesTheNewOnes(device: Device) throws {
        guard case .opencl(let index) = device else { return }
        let backend = try OpenCLBackend.backend(forDevice: index)
        let ones = try backend.allocate(100), a = try backend.allocate(100), b = try backend.allocate(100)
        try backend.fill(ones, offset: 0, count: 100, value: 1)
        try backend.fill(a, offset: 0, count: 100, value: 0)
        try backend.fill(b, offset: 0, count: 100, value: 0)
        // A private program build, so no other test's launches of `axpy` interleave with these.
        let options = "-DKERNEL_LAUNCH_TESTS=1"
        func axpy(_ alpha: Float, into storage: Storage, count: Int) throws {
            try backend.context.launch(
                "axpy", program: "memory", options: options, global: [count],
                arguments: [.float(alpha), .buffer(ones), .buffer(storage), .int(count), .int(1)])
        }
        try axpy(1, into: a, count: 100)
        try axpy(1, into: b, count: 100)  // another buffer
        try axpy(2, into: a, count: 100)  // back to the first buffer, another value
        try axpy(3, into: b, count: 37)  // another count: 37 items in one group of 64 on a CPU device
        let first = try Tensor(shape: [100], device: device, storage: a).toArray()
        let second = try Tensor(shape: [100], device: device, storage: b).toArray()
        #expect(first == Array(repeating: 3, count: 100))
        #expect(second == Array(repeating: 4, count: 37) + Array(repeating: 1, count: 63))
    }

    @Test func poclKeepsItsOwnKernelCacheAndOtherDriversUseFoveas() {
        func info(platform: String) -> OpenCLDeviceInfo {
            OpenCLDeviceInfo(
                index: 0, platformName: platform, name: "device", vendor: "", type: "CPU", computeUnits: 2,
                globalMemoryBytes: 1 << 30, localMemoryBytes: 1 << 16, maxWorkGroupSize: 4096,
                preferredFloatVectorWidth: 16, driverVersion: "1", deviceVersion: "OpenCL 3.0",
                openCLCVersion: "OpenCL C 1.2", supportsFP16: false, supportsFP64: true)
        }
        #expect(ProgramCache.directory(for: info(platform: "Portable Computing Language")) == nil)
        #expect(ProgramCache.directory(for: info(platform: "NVIDIA CUDA")) == ProgramCache.directory)
    }
}
