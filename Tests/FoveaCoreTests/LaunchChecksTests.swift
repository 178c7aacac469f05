import Foundation
import FoveaTestSupport
import Testing

@testable import FoveaCore

/// Launches a GPU driver would refuse fail on PoCL too (debug builds), naming the kernel.
@Suite struct LaunchChecksTests {
    @Test func intArgumentsBeyond32BitsAreRefused() throws {
        #expect(try LaunchChecks.int32(7, argument: 0, kernel: "k") == 7)
        #expect(
            throws: FoveaError.invalidArgument(
                "k: argument 2 is 2147483648, beyond a 32-bit int: tensors of 2^31 elements or more are not supported on OpenCL")
        ) {
            try LaunchChecks.int32(1 << 31, argument: 2, kernel: "k")
        }
    }

    @Test(arguments: testDevices.filter { $0 != .cpu })
    func launchesAGPUWouldRefuseFailWithTheKernelNamed(device: Device) throws {
        guard case .opencl(let index) = device else { return }
        let context = try OpenCLBackend.backend(forDevice: index).context
        let backend = try OpenCLBackend.backend(forDevice: index)
        let rows = try backend.allocate(64), output = try backend.allocate(64)
        // conv_scatter_output(rows, y, batch_start, count, OC, plane): six arguments.
        let arguments: [KernelArgument] = [.buffer(rows), .buffer(output), .int(0), .int(1), .int(1), .int(64)]
        #expect(throws: FoveaError.invalidArgument("conv_scatter_output: launched with 5 arguments, the kernel takes 6")) {
            try context.launch("conv_scatter_output", program: "conv", global: [64], arguments: Array(arguments.dropLast()))
        }
        let tooWide = context.info.maxWorkGroupSize * 2
        let wide = #expect(throws: FoveaError.self) {
            try context.launch("conv_scatter_output", program: "conv", global: [tooWide], local: [tooWide], arguments: arguments)
        }
        #expect(
            wide?.description.hasPrefix("conv_scatter_output: work-groups of [\(tooWide)]") == true, "\(String(describing: wide))"
        )
        #expect(
            throws: FoveaError.invalidArgument(
                "conv_scatter_output: 70000 work-groups along dimension 1, more than the 65535 a GPU grid "
                    + "allows there (move the axis to dimension 0)")
        ) {
            try context.launch("conv_scatter_output", program: "conv", global: [1, 70000], arguments: arguments)
        }
        try context.launch("conv_scatter_output", program: "conv", global: [64], arguments: arguments)
        try context.finish()
    }

    /// Pooling puts its planes (N * C) on dimension 0, so more than 65535 of them pass the grid check and agree with the CPU.
    @Test(arguments: testDevices.filter { $0 != .cpu })
    func poolingOverMorePlanesThanAGridDimensionHolds(device: Device) throws {
        let x = try testTensor([1, 70_000, 2, 2], device: .cpu)
        let expected = try x.maxPool2d(kernel: 2).toArray()
        #expect(try x.to(device).maxPool2d(kernel: 2).toArray() == expected)
    }
}
