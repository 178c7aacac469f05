import Foundation
import Testing

@testable import FoveaCore

/// `FOVEA_OPENCL_AS=gpu`: any OpenCL device answers as a GPU, with limits lowered to a GPU's, never raised.
@Suite struct GPUEmulationTests {
    static let cpuDevice = OpenCLDeviceInfo(
        index: 0, platformName: "Portable Computing Language", name: "pthread", vendor: "AuthenticAMD", type: "CPU",
        computeUnits: 2, globalMemoryBytes: 1 << 33, localMemoryBytes: 4 << 20, maxWorkGroupSize: 4096,
        preferredFloatVectorWidth: 16,
        driverVersion: "3.1", deviceVersion: "OpenCL 1.2", openCLCVersion: "OpenCL C 1.2", supportsFP16: false, supportsFP64: true
    )

    @Test func aCPUDeviceActsAsAGPU() {
        let gpu = Self.cpuDevice.actingAsGPU()
        #expect(gpu.isGPU && gpu.nativeType == "CPU")
        #expect(gpu.computeUnits == 132 && gpu.maxWorkGroupSize == 1024 && gpu.localMemoryBytes == 48 * 1024)
        #expect(gpu.preferredFloatVectorWidth == 1)
        #expect(gpu.globalMemoryBytes == Self.cpuDevice.globalMemoryBytes && gpu.name == Self.cpuDevice.name)
        var small = Self.cpuDevice
        small.maxWorkGroupSize = 256
        small.localMemoryBytes = 16 * 1024
        #expect(small.actingAsGPU().maxWorkGroupSize == 256 && small.actingAsGPU().localMemoryBytes == 16 * 1024)
        #expect(!Self.cpuDevice.isGPU && Self.cpuDevice.nativeType == nil)
    }

    @Test func theVariableTakesGpuOrNothing() throws {
        #expect(try GPUEmulation.requested([:]) == false)
        #expect(try GPUEmulation.requested(["FOVEA_OPENCL_AS": "GPU"]) == true)
        #expect(throws: FoveaError.deviceUnavailable("FOVEA_OPENCL_AS=tpu: the only choice is gpu (or leave it unset)")) {
            try GPUEmulation.requested(["FOVEA_OPENCL_AS": "tpu"])
        }
    }

    /// In the mode CI also runs the suite in, every device the tests see is a GPU, and `auto` picks it.
    @Test func underTheVariableEveryDeviceIsAGPU() {
        guard (try? GPUEmulation.requested()) == true else { return }
        let devices = OpenCLRuntime.listDevices().devices
        #expect(devices.allSatisfy { $0.isGPU })
        if let first = devices.first { #expect(Device.autoSelected().device == .opencl(first.index)) }
    }
}
