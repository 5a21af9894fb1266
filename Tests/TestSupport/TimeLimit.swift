import Dispatch
import Foundation

/// Runs work on its own thread and stops waiting for it after a time limit, so a
/// decoder that loops forever on a damaged file fails one check instead of
/// hanging the suite. (The thread itself cannot be killed; it is left to finish.)
public enum TimeLimit {
    public enum Outcome<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case timedOut(seconds: Double)
    }

    private final class Box<T: Sendable>: @unchecked Sendable {
        let lock = NSLock()
        var result: Result<T, any Error>?
    }

    public static func run<T: Sendable>(
        seconds: Double, _ work: @escaping @Sendable () throws -> T
    ) -> Outcome<T> {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let result = Result { try work() }
            box.lock.lock()
            box.result = result
            box.lock.unlock()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        guard done.wait(timeout: .now() + seconds) == .success else { return .timedOut(seconds: seconds) }
        box.lock.lock()
        defer { box.lock.unlock() }
        guard let result = box.result else { return .timedOut(seconds: seconds) }
        return .finished(result)
    }
}
