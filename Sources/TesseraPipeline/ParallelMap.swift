import Dispatch
import Foundation

/// Runs independent work items on several threads and returns results in input order.
///
/// Results are written to distinct slots, so the output does not depend on
/// scheduling; the first error (in input order) is rethrown.
public enum ParallelMap {
    /// Threads to use when the caller passes 0: every core.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    public static func map<T, R>(_ items: [T], threads: Int = 0, _ body: (T) throws -> R) throws -> [R] {
        let n = items.count
        if n == 0 { return [] }
        let workers = min(n, threads > 0 ? threads : defaultThreads)
        if workers == 1 { return try items.map(body) }
        let slots = UnsafeMutablePointer<Result<R, any Error>?>.allocate(capacity: n)
        slots.initialize(repeating: nil, count: n)
        defer {
            slots.deinitialize(count: n)
            slots.deallocate()
        }
        let next = Counter()
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body: body, slots: slots, items: items)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = next.increment()
                    if i >= n { return }
                    box.slots[i] = Result { try box.body(box.items[i]) }
                }
            }
        }
        var out: [R] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            guard let r = slots[i] else { fatalError("parallel map slot \(i) not filled") }
            out.append(try r.get())
        }
        return out
    }
}

/// A shared atomic-style counter (a lock is plenty: one increment per work item).
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}

/// Carries non-Sendable state into concurrentPerform; safe because each
/// work item touches only its own slot and reads shared inputs.
struct UnsafeSendable<T, R>: @unchecked Sendable {
    let body: (T) throws -> R
    let slots: UnsafeMutablePointer<Result<R, any Error>?>
    let items: [T]
}
