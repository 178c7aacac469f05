import Foundation
import Fovea

/// Command-line options of `fovea-bench`.
struct Options {
    static let allSuites = ["gemm", "conv", "conv-algo", "pool", "norm", "activation", "softmax", "startup", "train", "rnn"]
    /// Suites run only when named: `allreduce` runs alone, under mpirun.
    static let namedSuites = ["allreduce"]

    var gemmSizes = [256, 512, 1024, 2048, 4096]
    var batches = [32, 64, 128]
    /// Zoo models of the train suite (the allreduce suite's when it runs).
    var models = TrainSuite.modelNames
    /// The allreduce suite's bucket size.
    var bucketBytes = GradientBuckets.defaultBucketBytes
    /// Optimizers of the train suite ("adam", "sgd").
    var optimizers = ["adam"]
    var suites = Set(allSuites)
    /// Targets to run ("cpu", "opencl:N", "openblas"); nil = all available.
    var backends: Set<String>?
    /// Only benchmarks whose name contains one of these.
    var filters: [String] = []
    var timer = Timer()
    var profile = false
    var jsonPath: String?
    var svgPath: String?
    var pytorch = false
    var python = "python3"
    /// PyTorch's CPU threads for --pytorch (nil: PyTorch's choice).
    var pytorchThreads: Int?
    var pytorchScript = "Benchmarks/pytorch_bench.py"
    /// Also run `Benchmarks/tinygrad_bench.py` (LeNet-5 training on tinygrad's OpenCL backend) with this interpreter.
    var tinygrad = false
    var tinygradPython = NSString(string: "~/.cache/fovea/tinygrad-venv/bin/python").expandingTildeInPath
    /// Internal: run as the startup-timing child process (see `StartupSuite`).
    var startupChild = false
    /// Internal: the startup child times a training step of this model instead of the op pass.
    var startupTrainModel: String?

    static let usage = """
        USAGE: fovea-bench [options]

        Times Fovea's ops and whole training steps on the CPU backend, every OpenCL device and OpenBLAS directly.

          --quick               GEMM up to 1024, batch 32, shorter timing budget (for small machines)
          --gemm-sizes LIST     GEMM sizes (default 256,512,1024,2048,4096)
          --max-gemm N          drop GEMM sizes above N
          --batch LIST          conv/train batch sizes (default 32,64,128; pooling, norm and train startup use the first)
          --suite LIST          of \(allSuites.joined(separator: ",")) (default all), or allreduce alone under
                                mpirun -n N (gradient sums of \(AllreduceSuite.modelNames.joined(separator: ", ")) and their overlap with a step)
          --backend LIST        of cpu, openblas, opencl:N (default all available)
          --model LIST          train suite models, of \(TrainSuite.modelNames.joined(separator: ",")) (default all);
                                allreduce suite models, of \(AllreduceSuite.modelNames.joined(separator: ",")) (default all)
          --bucket-mb N         allreduce suite: gradient bucket size in MB (default 25)
          --optimizer LIST      train suite optimizers, of adam,sgd (default adam; sgd = momentum 0.9)
          --filter TEXT         only benchmarks whose name contains TEXT (repeatable)
          --warmup N            untimed calls before timing (default 2)
          --runs N              minimum timed samples (default 5)
          --max-runs N          maximum timed samples (default 50)
          --budget SECONDS      stop sampling after this much timed time, once --runs are in (default 2)
          --clock wall|cpu      what samples measure: elapsed time (default) or the process's CPU time, all threads
                                summed (steadier on a shared machine; a call on two busy cores counts twice; the
                                CPU backend's workers then sleep after each loop: FOVEA_WORKER_SPIN_US=0 unless set)
          --profile             per-kernel (OpenCL events) and per-step times for every benchmark
                                (train: kernels of one step, then phases and each layer's forward/backward)
          --json FILE           write all results as JSON
          --svg FILE            write a bar chart of CPU vs OpenCL rates
          --pytorch             also run Benchmarks/pytorch_bench.py on the same benchmarks (ops and training steps)
                                and print Fovea/PyTorch ratios
          --python PATH         interpreter for --pytorch (default python3)
          --pytorch-threads N   PyTorch CPU threads (default: PyTorch's choice, one per core)
          --pytorch-script PATH (default Benchmarks/pytorch_bench.py)
          --tinygrad            also run Benchmarks/tinygrad_bench.py (LeNet-5 training steps on tinygrad's OpenCL
                                backend) and print Fovea/tinygrad ratios
          --tinygrad-python PATH  interpreter with tinygrad installed (default ~/.cache/fovea/tinygrad-venv/bin/python)
          -h, --help            this text
        """

    /// Parses `arguments` (without the program name); throws a message for bad input.
    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var quick = false, maxGemm: Int?
        var iterator = arguments.makeIterator()
        func value(_ flag: String) throws -> String {
            guard let next = iterator.next() else { throw UsageError("\(flag) needs a value") }
            return next
        }
        func integer(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number >= 0 else { throw UsageError("\(flag): '\(text)' is not a count") }
            return number
        }
        func integers(_ flag: String) throws -> [Int] {
            let text = try value(flag)
            let numbers = text.split(separator: ",").compactMap { Int($0) }
            guard !numbers.isEmpty, numbers.allSatisfy({ $0 > 0 }), numbers.count == text.split(separator: ",").count else {
                throw UsageError("\(flag): '\(text)' is not a comma-separated list of positive integers")
            }
            return numbers
        }
        func names(_ flag: String) throws -> [String] { try value(flag).lowercased().split(separator: ",").map(String.init) }

        while let argument = iterator.next() {
            switch argument {
            case "--quick": quick = true
            case "--gemm-sizes": options.gemmSizes = try integers(argument)
            case "--max-gemm": maxGemm = try integer(argument)
            case "--batch": options.batches = try integers(argument)
            case "--suite":
                let suites = try names(argument)
                if let unknown = suites.first(where: { !(allSuites + namedSuites).contains($0) }) {
                    throw UsageError("unknown suite '\(unknown)'")
                }
                if suites.contains("allreduce") && suites.count > 1 {
                    throw UsageError("the allreduce suite runs alone (under mpirun)")
                }
                options.suites = Set(suites)
            case "--backend": options.backends = Set(try names(argument))
            case "--model":
                let models = try names(argument)
                if let unknown = models.first(where: { !(TrainSuite.modelNames + AllreduceSuite.modelNames).contains($0) }) {
                    throw UsageError("unknown model '\(unknown)'")
                }
                options.models = models
            case "--optimizer":
                let optimizers = try names(argument)
                if let unknown = optimizers.first(where: { !TrainSuite.optimizers.contains($0) }) {
                    throw UsageError("unknown optimizer '\(unknown)'")
                }
                options.optimizers = optimizers
            case "--bucket-mb": options.bucketBytes = max(1, try integer(argument)) << 20
            case "--filter": options.filters.append(try value(argument))
            case "--clock":
                let text = try value(argument)
                guard let clock = Timer.Clock(rawValue: text) else {
                    throw UsageError("--clock: '\(text)' is neither wall nor cpu")
                }
                options.timer.clock = clock
                // A spinning worker's time reaches the process clock only at its next tick or sleep, so a sample of a
                // millisecond would miss most of it: the CPU backend's workers sleep after each loop instead.
                if clock == .cpu { setenv("FOVEA_WORKER_SPIN_US", "0", 0) }
            case "--warmup": options.timer.warmupRuns = try integer(argument)
            case "--runs": options.timer.minimumRuns = max(1, try integer(argument))
            case "--max-runs": options.timer.maximumRuns = max(1, try integer(argument))
            case "--budget":
                let text = try value(argument)
                guard let seconds = Double(text), seconds >= 0 else {
                    throw UsageError("--budget: '\(text)' is not a number of seconds")
                }
                options.timer.timeBudget = seconds
            case "--profile": options.profile = true
            case "--json": options.jsonPath = try value(argument)
            case "--svg": options.svgPath = try value(argument)
            case "--pytorch": options.pytorch = true
            case "--python": options.python = try value(argument)
            case "--pytorch-threads": options.pytorchThreads = max(1, try integer(argument))
            case "--pytorch-script": options.pytorchScript = try value(argument)
            case "--tinygrad": options.tinygrad = true
            case "--tinygrad-python": options.tinygradPython = try value(argument)
            case "--startup-child": options.startupChild = true
            case "--startup-train": options.startupTrainModel = try value(argument)
            case "-h", "--help": throw UsageError(nil)
            default: throw UsageError("unknown option '\(argument)'")
            }
        }
        if quick {
            if !arguments.contains("--gemm-sizes") { options.gemmSizes = options.gemmSizes.filter { $0 <= 1024 } }
            if !arguments.contains("--batch") { options.batches = [32] }
            if !arguments.contains("--budget") { options.timer.timeBudget = 1 }
        }
        if options.suites == ["allreduce"] && !arguments.contains("--model") { options.models = AllreduceSuite.modelNames }
        if let maxGemm { options.gemmSizes = options.gemmSizes.filter { $0 <= maxGemm } }
        options.timer.maximumRuns = max(options.timer.maximumRuns, options.timer.minimumRuns)
        if options.pytorch && options.timer.clock == .cpu {
            throw UsageError("--clock cpu: PyTorch's times are wall-clock times; compare with --clock wall")
        }
        return options
    }

    /// Whether a benchmark name passes `--filter`.
    func selects(_ name: String) -> Bool {
        filters.isEmpty || filters.contains { name.localizedCaseInsensitiveContains($0) }
    }
}

/// A command-line mistake (or `--help`, with no message).
struct UsageError: Error {
    let message: String?
    init(_ message: String?) { self.message = message }
}
