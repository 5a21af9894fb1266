/// What happened to one file, for the watch folder's log.
public struct WatchEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Compressed; the input moved to done/ (or deleted when asked).
        case done
        /// Could not be compressed; moved to failed/ with an error report beside it.
        case failed
        /// Left in processing/ by a worker that died; put back in the folder to be redone.
        case reclaimed
        /// Given back unfinished because the watcher was told to stop at once.
        case released
    }

    public var event: Kind
    /// The input's file name.
    public var input: String
    public var output: String?
    public var inputBytes: Int?
    public var outputBytes: Int?
    public var ratio: Double?
    public var bitsPerPixel: Double?
    public var psnr: Double?
    public var seconds: Double?
    public var error: String?
    /// The worker that did it (host~pid~start).
    public var worker: String

    public init(event: Kind, input: String, worker: String) {
        self.event = event
        self.input = input
        self.worker = worker
    }
}
