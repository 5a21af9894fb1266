import Dispatch
import Foundation
import TesseraIO
import TesseraPipeline

#if canImport(Glibc)
import Glibc
#endif

/// A watch folder: every complete image dropped into `inputFolder` becomes a .tess file in
/// `outputFolder` exactly once, through crashes, restarts and broken files, with any number
/// of watchers (processes here or on machines sharing the folder).
///
/// - A file is taken when complete: moved in (inotify `IN_MOVED_TO`), or unchanged (size,
///   modification time, no inotify write events) for `settleSeconds`. The folder is also
///   listed every `scanSeconds` (the polling fallback, and what sees other machines' writes).
/// - It is claimed by renaming it into `processing/<worker>/` (atomic: one watcher wins).
/// - The output is written under a temporary name and put into place without replacing a file:
///   `NAME.EXT.tess` when `NAME.tess` is another input's (`AtomicOutput.commit(firstFreeOf:)`;
///   the same bytes there are this input's own output, done again after a crash), `failed/`
///   when both are taken. The input then moves to `done/` (or is deleted when asked); a file
///   that fails moves to `failed/` with `NAME.error.txt` beside it. Inputs are never modified.
/// - Each worker touches `processing/<worker>/.heartbeat`; a worker that is dead (same host:
///   its process is gone; elsewhere: heartbeat older than the lease) has its folder taken over
///   atomically and its files put back to be redone.
public final class WatchFolder: @unchecked Sendable {
    public let options: WatchOptions
    public let worker: WorkerIdentity
    private let onEvent: @Sendable (WatchEvent) -> Void
    let processing: String
    let done: String
    let failed: String
    let mine: String
    private let heartbeatPath: String

    private let lock = NSLock()
    private var stopping = false
    private var finished = false
    private var inFlight: [String: String] = [:]
    private var summary = WatchSummary()
    private var candidates: [String: Candidate] = [:]
    private let clock = ContinuousClock()

    struct Candidate {
        var size: Int
        var modified: Double
        var stableSince: ContinuousClock.Instant
        var movedIn: Bool
    }

    /// Makes the folders (`processing/`, `done/`, `failed/`, the output folder) and registers
    /// this worker; throws when a folder cannot be made or written.
    public init(options: WatchOptions, onEvent: @escaping @Sendable (WatchEvent) -> Void) throws(BatchError) {
        self.options = options
        self.onEvent = onEvent
        worker = WorkerIdentity.current()
        let root = options.inputFolder.hasSuffix("/") ? String(options.inputFolder.dropLast()) : options.inputFolder
        processing = root + "/processing"
        done = root + "/done"
        failed = root + "/failed"
        mine = processing + "/" + worker.description
        heartbeatPath = mine + "/.heartbeat"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BatchError(path: options.inputFolder, problem: "no such folder")
        }
        for folder in [processing, done, failed, options.outputFolder, mine] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw BatchError(path: folder, problem: "cannot make the folder (\(error.localizedDescription))")
            }
            guard access(folder, W_OK) == 0 else {
                throw BatchError(path: folder, problem: "the folder is not writable")
            }
        }
        guard FileManager.default.createFile(atPath: heartbeatPath, contents: Data()) else {
            throw BatchError(path: heartbeatPath, problem: "cannot write the heartbeat file")
        }
    }

    /// Stop taking new files; files in flight are finished, then `run` returns.
    public func requestStop() {
        lock.withLock { stopping = true }
    }

    /// Puts every file in flight back into the input folder, unfinished (for a second
    /// interrupt, just before the process exits). Their outputs are never renamed into place.
    @discardableResult
    public func releaseInFlight() -> [String] {
        let claimed = lock.withLock { () -> [String: String] in
            stopping = true
            let c = inFlight
            inFlight.removeAll()
            summary.released += c.count
            return c
        }
        for (name, path) in claimed.sorted(by: { $0.key < $1.key }) {
            if rename(path, uniquePath(in: options.inputFolder, name: name)) == 0 {
                onEvent(WatchEvent(event: .released, input: name, worker: worker.description))
            }
        }
        return claimed.keys.sorted()
    }

    /// Watches until `requestStop` (or, with `exitWhenIdle`, until there is nothing left),
    /// then waits for the files in flight and returns what was done.
    public func run() -> WatchSummary {
        let start = clock.now
        let heartbeat = Thread { [self] in heartbeatLoop() }
        heartbeat.start()
        let events = FolderEvents(folder: options.inputFolder, usePolling: options.forcePolling)
        let queue = DispatchQueue(label: "tessera.watch.workers", attributes: .concurrent)
        let group = DispatchGroup()
        cleanTemporaryOutputs()
        reclaimAbandoned()
        scan()
        var lastScan = clock.now
        var lastReclaim = clock.now
        let tick = events.usesInotify ? 0.1 : min(0.1, options.scanSeconds)
        while true {
            let (stop, busy) = lock.withLock { (stopping, inFlight.count) }
            if stop { break }
            dispatchReady(busy: busy, queue: queue, group: group)
            if options.exitWhenIdle && candidates.isEmpty && lock.withLock({ inFlight.isEmpty }) {
                // Nothing here and nothing running: one more listing to be sure, then stop.
                scan()
                if candidates.isEmpty && lock.withLock({ inFlight.isEmpty }) { break }
            }
            for change in events.wait(timeout: tick) {
                switch change {
                case .movedIn(let name): observe(name, movedIn: true)
                case .written(let name): observe(name, movedIn: false, touched: true)
                case .overflow: scan()
                }
            }
            let now = clock.now
            if now - lastScan >= .seconds(options.scanSeconds) {
                scan()
                lastScan = now
            }
            if now - lastReclaim >= .seconds(max(0.5, min(options.leaseSeconds / 4, 5))) {
                reclaimAbandoned()
                lastReclaim = now
            }
        }
        group.wait()
        lock.withLock { finished = true }
        unlink(heartbeatPath)
        rmdir(mine)
        return lock.withLock {
            summary.seconds = (clock.now - start).seconds
            return summary
        }
    }

    // MARK: Finding complete files

    /// Lists the input folder: new names become candidates, vanished ones are dropped.
    func scan() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: options.inputFolder) else { return }
        let present = Set(names)
        for name in candidates.keys where !present.contains(name) { candidates[name] = nil }
        for name in names { observe(name, movedIn: false) }
    }

    /// Records what `name` looks like now; a change restarts its settling time.
    func observe(_ name: String, movedIn: Bool, touched: Bool = false) {
        guard !BatchInputs.isIgnoredName(name), !name.contains("/") else { return }
        if lock.withLock({ inFlight[name] != nil }) { return }
        var st = stat()
        guard lstat(options.inputFolder + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            candidates[name] = nil
            return
        }
        let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        let now = clock.now
        // Renamed in: complete at once, unless empty (a copier that creates its file by a
        // rename and then fills it) or written to afterwards.
        let complete = movedIn && st.st_size > 0
        if var c = candidates[name] {
            if c.size != Int(st.st_size) || c.modified != modified || touched {
                c.size = Int(st.st_size)
                c.modified = modified
                c.stableSince = now
                c.movedIn = complete
            } else {
                c.movedIn = c.movedIn || complete
            }
            candidates[name] = c
        } else {
            candidates[name] = Candidate(size: Int(st.st_size), modified: modified, stableSince: now, movedIn: complete)
        }
    }

    /// Claims and starts the candidates that are complete, while there is a free worker.
    func dispatchReady(busy: Int, queue: DispatchQueue, group: DispatchGroup) {
        var free = options.workers - busy
        guard free > 0 else { return }
        let now = clock.now
        let wallNow = Date().timeIntervalSince1970
        let ready = candidates.filter { _, c in
            c.movedIn || (now - c.stableSince >= .seconds(options.settleSeconds)
                && wallNow - c.modified >= options.settleSeconds)
        }.keys.sorted()
        for name in ready where free > 0 {
            candidates[name] = nil
            // The claim: an atomic rename into this worker's folder. Losing the race is normal.
            let claimed = mine + "/" + name
            guard rename(options.inputFolder + "/" + name, claimed) == 0 else { continue }
            let taken = lock.withLock { () -> Bool in
                guard !stopping else { return false }
                inFlight[name] = claimed
                return true
            }
            guard taken else {
                _ = rename(claimed, options.inputFolder + "/" + name)
                return
            }
            free -= 1
            queue.async(group: group) { [self] in process(name: name, claimed: claimed) }
        }
    }

    // MARK: Doing one file

    func process(name: String, claimed: String) {
        let started = clock.now
        let output = BatchInputs.join(options.outputFolder, BatchInputs.outputName(for: name))
        var compress = options.compress
        // Never replace an output: `a.tif` after `a.png` (or a second `a.png`) becomes
        // `a.tif.tess`; when that is taken too, the input goes to failed/ with the reason.
        compress.alternativeOutputs = [BatchInputs.join(options.outputFolder, name + ".tess")]
        if compress.threads == 0 {
            compress.threads = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, options.workers))
        }
        var event = WatchEvent(event: .done, input: name, worker: worker.description)
        let inputBytes = fileSize(claimed)
        event.inputBytes = inputBytes
        do {
            let report = try CompressJob(options: compress, targetPSNR: options.targetPSNR).run(input: claimed, output: output)
            event.output = report.output
            event.outputBytes = report.outputBytes
            event.ratio = Double(inputBytes ?? 0) / Double(max(report.outputBytes, 1))
            event.bitsPerPixel = report.bitsPerPixel
            event.psnr = report.psnr.isFinite ? report.psnr : nil
            let finish = lock.withLock { inFlight[name] != nil }
            guard finish else { return }  // Released meanwhile: it is back in the input folder.
            if options.deleteDone {
                unlink(claimed)
            } else {
                _ = rename(claimed, uniquePath(in: done, name: name))
            }
            event.seconds = (clock.now - started).seconds
            lock.withLock {
                inFlight[name] = nil
                summary.done += 1
                summary.inputBytes += inputBytes ?? 0
                summary.outputBytes += report.outputBytes
                summary.pixels += report.width * report.height
            }
        } catch {
            let reason = Self.oneLine(error).replacingOccurrences(of: claimed, with: name)
            event.event = .failed
            event.error = reason
            event.seconds = (clock.now - started).seconds
            let finish = lock.withLock { inFlight[name] != nil }
            guard finish else { return }
            let target = uniquePath(in: failed, name: name)
            _ = rename(claimed, target)
            let report = """
                input: \(name)
                error: \(reason)
                worker: \(worker.description)
                time: \(ISO8601DateFormatter().string(from: Date()))

                """
            _ = FileManager.default.createFile(atPath: target + ".error.txt", contents: Data(report.utf8))
            lock.withLock {
                inFlight[name] = nil
                summary.failed += 1
            }
        }
        onEvent(event)
    }

    static func oneLine(_ error: Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    // MARK: Dead workers

    /// Takes back the files of workers that died: their folder is renamed to one of ours
    /// (atomic, so one watcher wins), and each file goes back into the input folder.
    func reclaimAbandoned() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: processing) else { return }
        for entry in entries where entry != worker.description {
            let path = processing + "/" + entry
            // A worker's folder is `host~pid~start`; one a reclaimer took over is
            // `.reclaim-<reclaimer>--<original>`, abandoned too if that reclaimer died.
            let holder: WorkerIdentity?
            var original = entry
            if entry.hasPrefix(".reclaim-") {
                let rest = entry.dropFirst(".reclaim-".count)
                guard let split = rest.range(of: "--") else { continue }
                holder = WorkerIdentity(token: String(rest[..<split.lowerBound]))
                original = String(rest[split.upperBound...])
                if holder == worker { continue }
            } else {
                holder = WorkerIdentity(token: entry)
            }
            guard let holder else { continue }
            guard isAbandoned(path: path, holder: holder) else { continue }
            let takeover = processing + "/.reclaim-\(worker.description)--\(original)"
            guard rename(path, takeover) == 0 else { continue }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: takeover)) ?? []
            for name in files.sorted() where name != ".heartbeat" {
                if rename(takeover + "/" + name, uniquePath(in: options.inputFolder, name: name)) == 0 {
                    lock.withLock { summary.reclaimed += 1 }
                    onEvent(WatchEvent(event: .reclaimed, input: name, worker: worker.description))
                }
            }
            unlink(takeover + "/.heartbeat")
            rmdir(takeover)
        }
    }

    func isAbandoned(path: String, holder: WorkerIdentity) -> Bool {
        if let alive = holder.isAliveHere() { return !alive }
        // Another host: only its heartbeat can tell.
        var st = stat()
        let beat = lstat(path + "/.heartbeat", &st) == 0 || lstat(path, &st) == 0
        guard beat else { return false }
        let age = Date().timeIntervalSince1970 - Double(st.st_mtim.tv_sec)
        return age > options.leaseSeconds
    }

    private func heartbeatLoop() {
        let interval = max(0.25, min(options.leaseSeconds / 4, 15))
        while !lock.withLock({ finished }) {
            _ = utimes(heartbeatPath, nil)
            var slept = 0.0
            while slept < interval && !lock.withLock({ finished }) {
                usleep(100_000)
                slept += 0.1
            }
        }
    }

    /// Removes temporary outputs (`.NAME.PID-TAG.tmp`) that a process on this host left when it
    /// died, once they are older than the lease.
    func cleanTemporaryOutputs() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: options.outputFolder) else { return }
        for name in names {
            guard let pid = AtomicOutput.writerProcess(ofTemporaryName: name) else { continue }
            let path = options.outputFolder + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let age = Date().timeIntervalSince1970 - Double(st.st_mtim.tv_sec)
            if kill(pid, 0) != 0 && errno == ESRCH && age > min(options.leaseSeconds, 60) { unlink(path) }
        }
    }

    // MARK: Helpers

    /// `folder/name`, or `folder/stem.N.ext` for the first N free when that is taken.
    func uniquePath(in folder: String, name: String) -> String {
        let first = folder + "/" + name
        if access(first, F_OK) != 0 { return first }
        let url = URL(fileURLWithPath: name)
        let ext = url.pathExtension
        let stem = ext.isEmpty ? name : String(name.dropLast(ext.count + 1))
        var n = 2
        while true {
            let candidate = folder + "/" + stem + ".\(n)" + (ext.isEmpty ? "" : "." + ext)
            if access(candidate, F_OK) != 0 { return candidate }
            n += 1
        }
    }

    func fileSize(_ path: String) -> Int? {
        var st = stat()
        return lstat(path, &st) == 0 ? Int(st.st_size) : nil
    }
}
