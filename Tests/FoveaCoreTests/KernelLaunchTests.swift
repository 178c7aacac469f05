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
        let a = try backend.allocate(100), b = try backend.allocate(100)
        // A private program build, so no other test's launches of `fill` interleave with these.
        let options = "-DKERNEL_LAUNCH_TESTS=1"
        func fill(_ storage: Storage, count: Int, value: Float) throws {
            try backend.context.launch(
                "fill", program: "memory", options: options, global: [count],
                arguments: [.buffer(storage), .int(0), .int(count), .float(value), .int(1)])
        }
        try fill(a, count: 100, value: 1)
        try fill(b, count: 100, value: 1)  // another buffer
        try fill(a, count: 100, value: 2)  // back to the first buffer, another value
        try fill(b, count: 37, value: 3)  // another count: 37 items in one group of 64 on a CPU device
        let first = try Tensor(shape: [100], device: device, storage: a).toArray()
        let second = try Tensor(shape: [100], device: device, storage: b).toArray()
        #expect(first == Array(repeating: 2, count: 100))
        #expect(second == Array(repeating: 3, count: 37) + Array(repeating: 1, count: 63))
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
