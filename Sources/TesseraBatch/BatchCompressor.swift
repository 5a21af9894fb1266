import Foundation
import TesseraIO
import TesseraPipeline

/// Many inputs compressed one after another into an output folder (`tessera compress
/// --out-dir`): a failed file is reported and the batch goes on; with `skipExisting`, files
/// whose output exists are left alone, so an interrupted batch resumes.
public struct BatchCompressor: Sendable {
    /// What happened to one input.
    public enum Outcome: Sendable {
        case compressed(CompressReport)
        case skipped
        case failed(any Error)
    }

    /// The totals of a run.
    public struct Summary: Sendable {
        public var compressed = 0
        public var failed = 0
        public var skipped = 0
        public var inputBytes = 0
        public var outputBytes = 0
        public var seconds = 0.0
    }

    public var job: CompressJob
    public var skipExisting = false

    public init(job: CompressJob, skipExisting: Bool = false) {
        self.job = job
        self.skipExisting = skipExisting
    }

    /// Compresses every item in order, telling `onItem` about each as it finishes.
    public func run(_ items: [BatchItem], onItem: (BatchItem, Outcome) -> Void) -> Summary {
        var summary = Summary()
        let clock = ContinuousClock()
        let start = clock.now
        for item in items {
            if skipExisting && FileManager.default.fileExists(atPath: item.output) {
                summary.skipped += 1
                onItem(item, .skipped)
                continue
            }
            do {
                let folder = (item.output as NSString).deletingLastPathComponent
                if !folder.isEmpty {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                }
                let report = try job.run(input: item.input, output: item.output)
                summary.compressed += 1
                summary.inputBytes += report.inputBytes
                summary.outputBytes += report.outputBytes
                onItem(item, .compressed(report))
            } catch {
                summary.failed += 1
                onItem(item, .failed(error))
            }
        }
        summary.seconds = (clock.now - start).seconds
        return summary
    }
}
