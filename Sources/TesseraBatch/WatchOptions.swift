import TesseraPipeline

/// How a watch folder runs.
public struct WatchOptions: Sendable {
    /// The folder files are dropped into. `processing/`, `done/` and `failed/` are made inside it.
    public var inputFolder: String
    /// Where the .tess files go.
    public var outputFolder: String
    /// How each file is compressed (a preset and command-line options, already merged).
    /// `threads` 0 means every core shared among the workers.
    public var compress = CompressOptions()
    /// Meet at least this PSNR (dB) per file at the lowest rate found (`QualityTarget`); nil:
    /// use `compress` as it is.
    public var targetPSNR: Double?
    /// Files compressed at once by this process.
    public var workers = 1
    /// A file written in place is taken once it has not changed for this long (seconds).
    public var settleSeconds = 1.0
    /// How often the folder is listed even when inotify is quiet (seconds); with polling
    /// only, this is the polling interval.
    public var scanSeconds = 2.0
    /// A worker whose heartbeat is older than this is presumed dead and its files are taken
    /// back (seconds). On the same host a dead process is seen at once, without waiting.
    public var leaseSeconds = 60.0
    /// Do not use inotify (network filesystems, where it sees nothing).
    public var forcePolling = false
    /// Delete an input once its output is written instead of moving it to `done/`.
    public var deleteDone = false
    /// Stop once the folder is empty and nothing is in flight (a drain, as in cron jobs).
    public var exitWhenIdle = false

    public init(inputFolder: String, outputFolder: String) {
        self.inputFolder = inputFolder
        self.outputFolder = outputFolder
    }
}
