import Foundation

/// Ends the process when a blocking collective runs longer than `timeout` seconds: a replica that stopped (killed,
/// hung, stuck in a loop) would otherwise leave the others waiting forever. A background thread checks every
/// fraction of a second and calls `onTimeout` with a message naming the collective.
final class CollectiveWatchdog: @unchecked Sendable {
    let timeout: Double
    private let condition = NSCondition()
    /// The collective under way and when it began.
    private var current: (name: String, start: Date)?
    private let onTimeout: @Sendable (String) -> Void

    /// Starts the watching thread; it lives as long as the process.
    init(timeout: Double, onTimeout: @escaping @Sendable (String) -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
        let thread = Thread { [self] in watch() }
        thread.name = "fovea.CollectiveWatchdog"
        thread.start()
    }

    /// Runs `body`, a blocking collective called `name`, under watch.
    func guarding<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        condition.lock(); current = (name, Date()); condition.unlock()
        defer { condition.lock(); current = nil; condition.unlock() }
        return try body()
    }

    private func watch() {
        let interval = min(1, max(timeout / 10, 0.01))
        while true {
            Thread.sleep(forTimeInterval: interval)
            condition.lock()
            let late = current.flatMap { Date().timeIntervalSince($0.start) > timeout ? $0.name : nil }
            condition.unlock()
            if let late {
                onTimeout("\(late) has not completed in \(Self.format(timeout)) s: another rank has stopped or hangs")
                return
            }
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
