import Foundation
import TesseraSupport

/// Three stages joined by bounded hand-overs: one producer thread makes work
/// items in order, `threads` workers transform them concurrently, and the
/// calling thread consumes the results in the producer's order.
///
/// At most `maxInFlight` items exist at once (made but not yet consumed): a
/// slow consumer holds the producer back, so memory depends on the bound, not
/// on the image. The first failure of any stage stops all of them and is
/// rethrown; items already made are dropped.
public enum OrderedPipeline {
    public struct Statistics: Sendable {
        /// Items that went all the way through.
        public var consumed: Int
        /// The most items that were in flight at one time.
        public var peakInFlight: Int
    }

    /// Calls `produce` on one thread until it returns nil, `transform` on `threads` workers, and
    /// `consume` with the results in the order they were produced, with at most `maxInFlight`
    /// items between `produce` and `consume` (back-pressure). The first error stops the run and
    /// is rethrown.
    public static func run<In, Out>(
        threads: Int, maxInFlight: Int,
        produce: @escaping () throws -> In?,
        transform: @escaping (In) throws -> Out,
        consume: (Out) throws -> Void
    ) throws -> Statistics {
        let state = PipelineState<In, Out>(maxInFlight: max(1, maxInFlight))
        // The producer is called from one thread only; the transform is pure.
        let box = UncheckedSendable((produce, transform))
        let workers = max(1, threads)
        let finished = DispatchGroup()

        finished.enter()
        Thread.detachNewThread {
            defer { finished.leave() }
            state.runProducer(box.value.0)
        }
        for _ in 0..<workers {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                state.runWorker(box.value.1)
            }
        }
        let result = Result { try state.runConsumer(consume) }
        if case .failure(let e) = result { state.fail(e) }
        finished.wait()
        if let error = state.firstError { throw error }
        return try result.get()
    }
}

/// The shared state of one pipeline run, guarded by one condition variable.
final class PipelineState<In, Out>: @unchecked Sendable {
    private let condition = NSCondition()
    private let maxInFlight: Int
    private var queue: [(Int, In)] = []
    private var queueHead = 0
    /// Results by sequence number modulo the bound: an item's sequence is at
    /// most `maxInFlight - 1` ahead of the next one to consume, so slots never collide.
    private var results: [Result<Out, any Error>?]
    private var produced = 0
    private var consumed = 0
    private var producerDone = false
    private(set) var firstError: (any Error)?
    private var peakInFlight = 0

    init(maxInFlight: Int) {
        self.maxInFlight = maxInFlight
        results = Array(repeating: nil, count: maxInFlight)
    }

    func fail(_ error: any Error) {
        condition.lock()
        if firstError == nil { firstError = error }
        condition.broadcast()
        condition.unlock()
    }

    func runProducer(_ produce: () throws -> In?) {
        while true {
            condition.lock()
            while produced - consumed >= maxInFlight && firstError == nil { condition.wait() }
            let stop = firstError != nil
            condition.unlock()
            if stop { break }
            let item: In?
            do {
                item = try produce()
            } catch {
                fail(error)
                break
            }
            condition.lock()
            if let item {
                queue.append((produced, item))
                produced += 1
                peakInFlight = max(peakInFlight, produced - consumed)
            } else {
                producerDone = true
            }
            condition.broadcast()
            condition.unlock()
            if item == nil { return }
        }
        condition.lock()
        producerDone = true
        condition.broadcast()
        condition.unlock()
    }

    func runWorker(_ transform: (In) throws -> Out) {
        while true {
            condition.lock()
            while queueHead == queue.count && !producerDone && firstError == nil { condition.wait() }
            if firstError != nil || queueHead == queue.count {
                condition.unlock()
                return
            }
            let (sequence, item) = queue[queueHead]
            queueHead += 1
            if queueHead > 64 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            condition.unlock()
            let result = Result { try transform(item) }
            condition.lock()
            results[sequence % maxInFlight] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    func runConsumer(_ consume: (Out) throws -> Void) throws -> OrderedPipeline.Statistics {
        while true {
            condition.lock()
            while results[consumed % maxInFlight] == nil && !(producerDone && consumed == produced) && firstError == nil {
                condition.wait()
            }
            if let error = firstError {
                condition.unlock()
                throw error
            }
            let slot = consumed % maxInFlight
            guard let result = results[slot] else {
                // Everything produced has been consumed and the producer is done.
                let stats = OrderedPipeline.Statistics(consumed: consumed, peakInFlight: peakInFlight)
                condition.unlock()
                return stats
            }
            results[slot] = nil
            condition.unlock()
            try consume(try result.get())
            condition.lock()
            consumed += 1
            condition.broadcast()
            condition.unlock()
        }
    }
}
