import CBLAS
import Foundation
import FoveaCore

/// Square single-precision GEMMs, C = A * B, on every backend and through `cblas_sgemm` directly.
///
/// The CPU backend runs OpenBLAS single-threaded and splits GEMMs over the cores itself, so the direct reference
/// gets OpenBLAS's own threads (one per core) for the length of its call.
enum GemmSuite {
    static func cases(sizes: [Int]) -> [BenchmarkCase] {
        sizes.map { n in
            BenchmarkCase(
                suite: "gemm", name: "gemm \(n)", work: .flops(2 * Double(n) * Double(n) * Double(n)),
                reference: .gemm(n)
            ) { target in
                let backend = target.storageBackend
                let a = try randomStorage(n * n, on: backend, seed: 1)
                let b = try randomStorage(n * n, on: backend, seed: 2)
                let c = try zeroStorage(n * n, on: backend)
                switch target {
                case .backend(let backend):
                    let descriptor = GemmDescriptor(m: n, n: n, k: n)
                    return Prepared { try backend.gemm(descriptor, a: a, b: b, c: c) }
                case .openBLAS:
                    let pa = (a as! CPUStorage).pointer, pb = (b as! CPUStorage).pointer, pc = (c as! CPUStorage).pointer
                    let size = Int32(n)
                    let cores = Int32(ProcessInfo.processInfo.activeProcessorCount)
                    return Prepared {
                        withExtendedLifetime((a, b, c)) {
                            openblas_set_num_threads(cores)
                            defer { openblas_set_num_threads(1) }
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size,
                                1, pa, size, pb, size, 0, pc, size)
                        }
                    }
                }
            }
        }
    }
}
