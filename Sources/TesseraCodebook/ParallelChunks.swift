import Dispatch

/// Runs `chunkCount` independent chunks of work on `threads` threads.
///
/// Chunks are fixed by the caller (never by the thread count) and each writes
/// only its own results, so the outcome is the same for any number of threads;
/// callers reduce per-chunk results in chunk order.
enum ParallelChunks {
    static func run(chunkCount: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(max(threads, 1), chunkCount)
        if workers <= 1 {
            for c in 0..<chunkCount { body(c) }
            return
        }
        // The chunks write disjoint memory through unsafe pointers, which Swift
        // cannot check; the box states that promise once, here.
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendableBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var c = w
                while c < chunkCount {
                    box.body(c)
                    c += workers
                }
            }
        }
    }

    private struct UncheckedSendableBody: @unchecked Sendable {
        let body: (Int) -> Void
    }

    /// Splits 0..<count into chunks of `chunkSize` (the last may be shorter).
    static func ranges(count: Int, chunkSize: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: max(chunkSize, 1)).map { $0..<min($0 + chunkSize, count) }
    }
}
