import CBLAS
import Foundation

/// OpenBLAS's thread count is process-wide (`openblas_set_num_threads`), and the CPU backend keeps it at 1 except
/// around one large product that it leaves to OpenBLAS's threads. Several threads multiply at once (data-parallel
/// replicas, the loader's threads, tests): one of them could raise or lower the count under another's call.
/// So every OpenBLAS call runs under this lock, shared; a multithreaded product takes it alone, raising the count for
/// its own call only: no other call runs meanwhile, and none sees a count other than 1.
enum OpenBLASThreads {
    /// Allocated once and never freed: a pthread lock must not move. Made at the first OpenBLAS call, which it
    /// precedes by setting the count to 1 (OpenBLAS starts with one thread per core).
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_rwlock_t> = {
        let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        pthread_rwlock_init(lock, nil)
        openblas_set_num_threads(1)
        return lock
    }()

    /// Runs `body`, OpenBLAS calls on one thread each, alongside other such calls.
    @inline(__always)
    static func single<T>(_ body: () -> T) -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return body()
    }

    /// Runs `body`, one OpenBLAS call, on `threads` OpenBLAS threads, while no other OpenBLAS call runs.
    @discardableResult
    static func multiple<T>(_ threads: Int, _ body: () -> T) -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return body()
    }

    /// OpenBLAS's thread count now (1 outside `multiple`).
    static var current: Int { single { Int(openblas_get_num_threads()) } }
}
