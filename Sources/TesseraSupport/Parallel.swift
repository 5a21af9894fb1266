import Dispatch
import Foundation

/// Runs independent work items on several threads. Each item writes only its own result, so
/// the outcome never depends on the thread count or on scheduling; items are handed out one at
/// a time, so uneven items keep every thread busy.
///
/// `threads`: 0 means every core (`defaultThreads`); 1 runs on the calling thread.
public enum Parallel {
    /// Threads to use when the caller passes 0: every core.
    public static var defaultThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `body(0) … body(count − 1)`, on up to `threads` threads.
    public static func forEach(count: Int, threads: Int = 0, _ body: (Int) -> Void) {
        let workers = min(count, threads > 0 ? threads : defaultThreads)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        let next = WorkCounter()
        withoutActuallyEscaping(body) { body in
            // Every index is run exactly once and writes only its own results.
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = next.take()
                    if i >= count { return }
                    box.value(i)
                }
            }
        }
    }

    /// `body` of every item, results in input order; the first error (in input order) is rethrown.
    public static func map<T, R>(_ items: [T], threads: Int = 0, _ body: (T) throws -> R) throws -> [R] {
        let n = items.count
        if n == 0 { return [] }
        if min(n, threads > 0 ? threads : defaultThreads) <= 1 { return try items.map(body) }
        let slots = UnsafeMutablePointer<Result<R, any Error>?>.allocate(capacity: n)
        slots.initialize(repeating: nil, count: n)
        defer {
            slots.deinitialize(count: n)
            slots.deallocate()
        }
        let out = UncheckedSendable(slots)
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            forEach(count: n, threads: threads) { i in out.value[i] = Result { try work.value(items[i]) } }
        }
        var results: [R] = []
        results.reserveCapacity(n)
        for i in 0..<n {
            guard let r = slots[i] else { preconditionFailure("parallel slot \(i) not filled") }
            results.append(try r.get())
        }
        return results
    }

    /// `body(0) … body(count − 1)` in order, computed on up to `threads` threads.
    public static func map<R>(count: Int, threads: Int = 0, _ body: (Int) -> R) -> [R] {
        // A non-throwing body cannot fail, so neither can the map.
        (try? map(Array(0..<count), threads: threads, body)) ?? []
    }
}

/// Hands out 0, 1, 2, … to the threads of one `Parallel` run (one lock per item is plenty).
final class WorkCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}
