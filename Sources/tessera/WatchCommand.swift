import ArgumentParser
import Dispatch
import Foundation
import TesseraBatch
import TesseraPipeline

#if canImport(Glibc)
import Glibc
#endif

/// `tessera watch`: turns every image dropped into a folder into a .tess file, exactly once.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Compress every image dropped into a folder, exactly once, through crashes and restarts.",
        discussion: """
            A file is taken once it is complete: moved in, or closed and unchanged for --settle \
            seconds (inotify; the folder is also listed every --scan-interval seconds, and with \
            --poll only listed, for network filesystems). Names starting with a dot and temporary \
            names (.tmp, .part, .crdownload, ~) are ignored. Files already there are processed first.

            Each file is claimed by an atomic rename into IN_DIR/processing/<worker>/, so any \
            number of watchers (here or on machines sharing the folder) never take the same file. \
            The output is written under a temporary name and renamed into OUT_DIR; the input then \
            moves to IN_DIR/done/ (or is deleted with --delete-done); a file that cannot be \
            compressed moves to IN_DIR/failed/ with NAME.error.txt beside it. Inputs are never \
            modified. Files left in processing/ by a watcher that died are put back and redone: \
            at once when it ran on this host, after --lease seconds without its heartbeat otherwise.

            SIGINT or SIGTERM: stop taking files, finish the ones in flight, print the summary and \
            exit 0. A second signal gives the unfinished files back to IN_DIR and exits at once.

            One log line per file on standard output (--json: JSON lines), and a summary at the end.

            Examples:
              tessera watch incoming/ --out archive/ --pipeline grey-document
              tessera watch incoming/ --out archive/ --codebook collection.tcb --workers 2
              tessera watch /mnt/share/in --out /mnt/share/out --poll --lease 120
            """)

    @Argument(help: "The folder files are dropped into.")
    var inDir: String

    @Option(name: .customLong("out"), help: "The folder the .tess files are written to.")
    var outDir: String

    @OptionGroup var settings: CompressSettings

    @Option(help: "Files compressed at once (default: the preset's, else 1).")
    var workers: Int?

    @Option(help: "Seconds a file written in place must stay unchanged before it is taken.")
    var settle: Double = 1.0

    @Option(help: "Seconds between listings of the folder (the polling interval with --poll).")
    var scanInterval: Double = 2.0

    @Option(help: "Seconds without a heartbeat after which another host's watcher counts as dead.")
    var lease: Double = 60

    @Flag(help: "List the folder instead of using inotify (network filesystems).")
    var poll = false

    @Flag(help: "Delete each input once its output is written, instead of moving it to done/.")
    var deleteDone = false

    @Flag(help: "Exit once the folder is empty and nothing is in flight.")
    var once = false

    @Flag(help: "Log JSON lines instead of text.")
    var json = false

    @Flag(help: "Log only failures and the summary.")
    var quiet = false

    func validate() throws {
        if let workers, !(1...256).contains(workers) { throw ValidationError("--workers must be 1 to 256") }
        guard settle >= 0 else { throw ValidationError("--settle must be 0 or more seconds") }
        guard scanInterval > 0 else { throw ValidationError("--scan-interval must be more than 0 seconds") }
        guard lease >= 1 else { throw ValidationError("--lease must be at least 1 second") }
    }

    func run() throws {
        try runReportingErrors {
            let preset = try settings.loadPreset()
            var options = WatchOptions(inputFolder: inDir, outputFolder: outDir)
            let job = try settings.job(preset: preset)
            options.compress = job.options
            options.targetPSNR = job.targetPSNR
            options.workers = workers ?? preset?.workers ?? 1
            options.settleSeconds = settle
            options.scanSeconds = scanInterval
            options.leaseSeconds = lease
            options.forcePolling = poll
            options.deleteDone = deleteDone
            options.exitWhenIdle = once
            let log = WatchLog(json: json, quiet: quiet)
            let watch = try WatchFolder(options: options) { log.write($0) }
            let signals = SignalHandling(watch: watch, log: log)
            signals.install()
            log.note(
                "watching \(inDir) → \(outDir) as \(watch.worker) with \(options.workers) worker\(options.workers == 1 ? "" : "s")"
                    + (preset.map { ", preset \($0.name)" } ?? ""))
            let summary = watch.run()
            log.summary(summary)
            if summary.failed > 0 && once { throw ExitCode(1) }
        }
    }
}

/// Writes the watch log: one line per event, text or JSON, never interleaved.
final class WatchLog: @unchecked Sendable {
    let json: Bool
    let quiet: Bool
    private let lock = NSLock()

    init(json: Bool, quiet: Bool) {
        self.json = json
        self.quiet = quiet
    }

    func write(_ e: WatchEvent) {
        if quiet && e.event != .failed { return }
        let line: String
        if json {
            line = Self.encode(e)
        } else {
            switch e.event {
            case .done:
                line =
                    "done      \(e.input) → \(e.output ?? "?"): \(e.inputBytes ?? 0) → \(e.outputBytes ?? 0) bytes (\(format(e.ratio ?? 0, 1)):1), \(format(e.bitsPerPixel ?? 0, 3)) bpp, PSNR \(e.psnr.map { format($0, 2) + " dB" } ?? "∞"), \(format(e.seconds ?? 0, 2)) s"
            case .failed: line = "failed    \(e.input): \(e.error ?? "unknown error")"
            case .reclaimed: line = "reclaimed \(e.input): left by a watcher that died; it will be redone"
            case .released: line = "released  \(e.input): given back unfinished"
            }
        }
        lock.withLock { Self.writeLine(line) }
    }

    /// Straight to file descriptor 1: a log read by another program (or a pipe) gets each
    /// line as it happens, not when a buffer fills.
    static func writeLine(_ text: String) {
        let line = text + "\n"
        _ = line.withCString { Glibc.write(1, $0, strlen($0)) }
    }

    func note(_ text: String) {
        guard !json && !quiet else { return }
        lock.withLock { printError("tessera watch: \(text)") }
    }

    func summary(_ s: WatchSummary) {
        let line: String
        if json {
            var text = Self.encode(s)
            text.removeFirst()
            line = "{\"event\":\"summary\"," + text
        } else {
            let mps = Double(s.pixels) / 1e6 / max(s.seconds, 1e-9)
            line =
                "summary: \(s.done) done, \(s.failed) failed, \(s.reclaimed) reclaimed, \(s.released) released; \(s.inputBytes) → \(s.outputBytes) bytes; \(format(s.seconds, 1)) s, \(format(mps, 1)) MP/s"
        }
        lock.withLock { Self.writeLine(line) }
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        (try? jsonLine(value)) ?? "{}"
    }
}

/// The write end of the signal pipe (set once, before the handlers are installed).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// SIGINT/SIGTERM: the first stops the watch gracefully, a second gives files back and exits.
final class SignalHandling: @unchecked Sendable {
    let watch: WatchFolder
    let log: WatchLog
    private var count = 0
    private let lock = NSLock()

    init(watch: WatchFolder, log: WatchLog) {
        self.watch = watch
        self.log = log
    }

    /// A classic handler that writes the signal's number to a pipe, read by a thread of its
    /// own. (A dispatch signal source can miss a signal when it reaches a thread that does not
    /// block it — the async main blocks signals on the main thread only.)
    func install() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        signalPipeWriteEnd = fds[1]
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
        let readEnd = fds[0]
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while read(readEnd, &byte, 1) == 1 { received(Int32(byte)) }
        }
        thread.start()
    }

    private func received(_ sig: Int32) {
        let n = lock.withLock { () -> Int in
            count += 1
            return count
        }
        if n == 1 {
            log.note("stopping: finishing the files in flight (signal again to give them back and exit now)")
            watch.requestStop()
        } else {
            let given = watch.releaseInFlight()
            log.note("gave back \(given.count) unfinished file\(given.count == 1 ? "" : "s"); exiting")
            exit(128 + sig)
        }
    }
}
