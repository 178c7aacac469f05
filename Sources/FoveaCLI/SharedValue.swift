import Foundation

/// A value made once and shared by the threads that ask for it (the data set of replicas training in one process).
final class SharedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    /// The value, made by `make` on the first call that succeeds; callers meanwhile wait.
    func get(_ make: () throws -> Value) rethrows -> Value {
        lock.lock(); defer { lock.unlock() }
        if let value { return value }
        let made = try make()
        value = made
        return made
    }
}
