import Foundation
import FoveaCore

/// Writes a line to standard error.
func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    if let message = error.message { note("fovea-bench: \(message)\n") }
    print(Options.usage)
    exit(error.message == nil ? 0 : 2)
}

if options.startupChild {
    guard let label = options.backends?.first, label.hasPrefix("opencl:"), let index = Int(label.dropFirst(7)) else {
        note("fovea-bench: --startup-child needs --backend opencl:N"); exit(2)
    }
    let training = options.startupTrainModel.map {
        StartupSuite.TrainingWorkload(model: $0, batch: options.batches[0], optimizer: options.optimizers[0])
    }
    do { try StartupSuite.child(device: index, training: training) } catch { note("fovea-bench: \(error)"); exit(1) }
    exit(0)
}

if options.suites == ["allreduce"] {
    do { try AllreduceSuite.run(options) } catch { note("fovea-bench: \(error)"); exit(1) }
    exit(0)
}

// Targets: the CPU backend, OpenBLAS directly (GEMM only), then every OpenCL device.
var targets: [Target] = [.backend(CPUBackend.shared), .openBLAS]
let listing = OpenCLRuntime.listDevices()
if let error = listing.error { note("fovea-bench: no OpenCL device: \(error)") }
for info in listing.devices where options.backends?.contains("opencl:\(info.index)") ?? true {
    do { targets.append(.backend(try OpenCLBackend.backend(forDevice: info.index))) } catch {
        note("fovea-bench: skipping opencl:\(info.index) (\(info.name)): \(error)")
    }
}
targets = targets.filter { options.backends?.contains($0.label) ?? true }
if options.backends != nil, let unknown = options.backends!.first(where: { name in !targets.contains { $0.label == name } }) {
    note("fovea-bench: backend '\(unknown)' is not available")
}

let machine = RunReport.Machine.current(targets: targets)
let date = ISO8601DateFormatter().string(from: Date())
print("fovea-bench \(date) on \(machine.cpu), \(machine.cores) cores")
for target in targets { print("  \(target.label): \(machine.targets[target.label] ?? "")") }

var cases: [BenchmarkCase] = []
if options.suites.contains("gemm") { cases += GemmSuite.cases(sizes: options.gemmSizes) }
if options.suites.contains("conv") { cases += ConvSuite.cases(batches: options.batches) }
if options.suites.contains("conv-algo") { cases += ConvAlgorithmSuite.cases(batches: options.batches) }
if options.suites.contains("pool") { cases += PoolingSuite.cases(batch: options.batches[0]) }
if options.suites.contains("norm") { cases += NormalizationSuite.cases(batch: options.batches[0]) }
let elementwise = ActivationSuite.cases()
cases += elementwise.filter { options.suites.contains($0.suite) }
if options.suites.contains("train") {
    cases += TrainSuite.cases(models: options.models, batches: options.batches, optimizers: options.optimizers)
}
if options.suites.contains("rnn") { cases += RecurrentSuite.cases() }
cases = cases.filter { options.selects($0.name) }

print("\n" + TableReport.header)
let runner = Runner(timer: options.timer, profiler: options.profile ? Profiler(timer: options.timer) : nil) { result in
    print(TableReport.line(result))
}
let (results, failures) = runner.run(cases, on: targets)
print(TableReport.summary(results), terminator: "")
print(TableReport.hostSyncs(results), terminator: "")
print(ConvAlgorithmSuite.report(results), terminator: "")
if options.profile { print(TableReport.profiles(results), terminator: "") }
var allFailures = failures
for r in results {
    guard let syncs = r.hostSyncs, syncs.step != 0 || syncs.stepReadingLoss != 1 else { continue }
    allFailures.append(
        "\(r.name) on \(r.backend): \(syncs.step) host syncs per step (expected 0), "
            + "\(syncs.stepReadingLoss) reading the loss (expected 1)")
}

// Cold and warm start of a training step: each trained model at the first batch size and optimizer.
let trainedModels =
    options.suites.contains("train")
    ? options.models.filter { model in cases.contains { $0.suite == "train" && $0.name.hasPrefix("train \(model) ") } } : []
let trainingStartups = trainedModels.map {
    StartupSuite.TrainingWorkload(model: $0, batch: options.batches[0], optimizer: options.optimizers[0])
}
var startup: [StartupSuite.Timing] = []
for case .backend(let backend as OpenCLBackend) in targets {
    guard case .opencl(let index) = backend.device else { continue }
    let workloads: [StartupSuite.TrainingWorkload?] = (options.suites.contains("startup") ? [nil] : []) + trainingStartups
    for workload in workloads {
        do { startup += try StartupSuite.run(device: index, training: workload) } catch {
            allFailures.append("startup \(workload?.name ?? "ops") on opencl:\(index): \(error)")
        }
    }
}
if !startup.isEmpty { print(TableReport.startup(startup), terminator: "") }

var pytorch: PyTorchComparison.Output?
if options.pytorch {
    do {
        pytorch = try PyTorchComparison.run(
            cases, timer: options.timer, python: options.python, script: options.pytorchScript,
            threads: options.pytorchThreads)
        print(PyTorchComparison.table(results, pytorch!), terminator: "")
        allFailures += pytorch!.failures.map { "pytorch: \($0)" }
    } catch { allFailures.append("pytorch: \(error)") }
}
var tinygrad: PyTorchComparison.Output?
if options.tinygrad {
    do {
        // tinygrad_bench.py has LeNet-5 only.
        tinygrad = try PyTorchComparison.run(
            cases.filter { $0.name.hasPrefix("train lenet5 ") }, timer: options.timer, python: options.tinygradPython,
            script: "Benchmarks/tinygrad_bench.py", threads: nil)
        print(PyTorchComparison.training(results.filter { $0.suite == "train" }, tinygrad!), terminator: "")
        allFailures += tinygrad!.failures.map { "tinygrad: \($0)" }
    } catch { allFailures.append("tinygrad: \(error)") }
}

print(ConvAlgorithmSuite.measuredChoices(CPUBackend.shared), terminator: "")

if !allFailures.isEmpty { print("\nFailures:\n" + allFailures.map { "  " + $0 }.joined(separator: "\n")) }

let report = RunReport(
    date: date, machine: machine, timer: .init(options.timer), results: results, startup: startup,
    pytorch: pytorch, tinygrad: tinygrad, failures: allFailures)
do {
    if let path = options.jsonPath { try report.write(to: path); print("\nwrote \(path)") }
    if let path = options.svgPath {
        let title = "fovea-bench \(date.prefix(10)): \(machine.cpu), \(machine.cores) cores"
        try SVGChart.render(results, title: title).write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(path)")
    }
} catch {
    note("fovea-bench: \(error)"); exit(1)
}
exit(allFailures.isEmpty ? 0 : 1)
