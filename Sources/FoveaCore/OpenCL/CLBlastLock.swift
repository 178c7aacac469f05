import Foundation

/// CLBlast before 1.6.1 (Debian 12 ships 1.5.3) races when threads store kernels in its process-wide cache at once
/// (CLBlast issue #486: concurrent SGEMMs on several devices fail), as replicas on several devices of one process
/// would. Every CLBlast call runs under this one lock; the calls only enqueue (or compile once per shape and device).
enum CLBlastLock {
    private static let lock = NSLock()

    /// Runs `body`, one CLBlast call, while no other thread calls CLBlast.
    static func run<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }
}
