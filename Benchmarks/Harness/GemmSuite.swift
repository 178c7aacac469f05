import CBLAS
import FoveaCore

/// Square single-precision GEMMs, C = A * B, on every backend and through `cblas_sgemm` directly.
enum GemmSuite {
    static func cases(sizes: [Int]) -> [BenchmarkCase] {
        sizes.map { n in
            BenchmarkCase(suite: "gemm", name: "gemm \(n)", work: .flops(2 * Double(n) * Double(n) * Double(n)),
                          reference: .gemm(n)) { target in
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
                    return Prepared {
                        withExtendedLifetime((a, b, c)) {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size,
                                        1, pa, size, pb, size, 0, pc, size)
                        }
                    }
                }
            }
        }
    }
}
