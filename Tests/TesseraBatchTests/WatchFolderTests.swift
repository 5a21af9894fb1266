import Foundation
import TesseraBatch
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The watch folder end to end: real `tessera watch` processes, real corpus files dropped in
/// the ways users drop them, a watcher killed mid-file, broken files, signals.
final class WatchFolderTests: XCTestCase {
    /// A quick preset, so that 50 files take seconds: the mechanics are what is tested here.
    static let quickPreset = """
        # quick — test preset: tiny codebook, few samples.
        description: test preset
        tile: 128
        codebook:
          codewords: 16
          max_iterations: 4
        sampling:
          samples: 2000
        threads: 1
        """

    let fm = FileManager.default

    func makeFolders(_ scratch: ScratchDirectory) throws -> (input: String, output: String, preset: String) {
        let input = scratch.path("in"), output = scratch.path("out"), preset = scratch.path("quick.yaml")
        try fm.createDirectory(atPath: input, withIntermediateDirectories: true)
        try Self.quickPreset.write(toFile: preset, atomically: true, encoding: .utf8)
        return (input, output, preset)
    }

    /// Real corpus files for the batch: photographs, TIFF variants, document pages, broken TIFFs.
    func batchFiles(count: Int) throws -> [String] {
        var files = (1...24).map { String(format: "kodak/kodim%02d.png", $0) }
        let manifest = try String(contentsOfFile: Corpus.path("MANIFEST.tsv"), encoding: .utf8)
        for line in manifest.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count > 14, f[0].hasPrefix("tiff-suite/"), !f[0].contains("/broken/"), f[14] == "ok",
                let w = Int(f[5]), let h = Int(f[6]), w * h >= 65536, w * h <= 300_000
            else { continue }
            files.append(f[0])
        }
        files = Array(files.prefix(count - 5))
        files += ["documents/leptonica-lucasta.047.png", "documents/ocrd-DIBCO11-PR6.png"]
        let broken = try fm.contentsOfDirectory(atPath: Corpus.path("tiff-suite/broken")).sorted().prefix(3)
        files += broken.map { "tiff-suite/broken/" + $0 }
        return files
    }

    /// The name a corpus file gets in the drop folder (unique, keeps its extension).
    func dropName(_ rel: String, _ i: Int) -> String {
        String(format: "%02d-", i) + (rel as NSString).lastPathComponent
    }

    /// Drops a file as users do: `mode` 0 writes a dot-name then renames it in, 1 copies in
    /// pieces with pauses (reopening for each piece), 2 copies it in one go.
    func drop(_ source: String, as target: String, mode: Int) throws {
        try Self.drop(source, as: target, mode: mode)
    }

    static func drop(_ source: String, as target: String, mode: Int) throws {
        let fm = FileManager.default
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let dir = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        switch mode {
        case 0:
            let temp = dir + "/." + name + ".partial"
            try data.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, target) == 0 else { throw CocoaError(.fileWriteUnknown) }
        case 1:
            let pieces = 4
            let size = (data.count + pieces - 1) / pieces
            fm.createFile(atPath: target, contents: nil)
            for p in 0..<pieces {
                let h = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
                try h.seekToEnd()
                try h.write(contentsOf: data.subdata(in: min(p * size, data.count)..<min((p + 1) * size, data.count)))
                try h.close()
                usleep(120_000)
            }
        default:
            try data.write(to: URL(fileURLWithPath: target))
        }
    }

    /// Compresses `input` directly with the same preset; nil when that fails.
    func direct(_ input: String, preset: String, scratch: ScratchDirectory) throws -> Data? {
        let out = scratch.path("direct-\(UUID().uuidString).tess")
        let r = try CommandRunner.tessera(["compress", input, "-o", out, "--pipeline", preset, "--quiet"])
        return r.status == 0 ? fm.contents(atPath: out) : nil
    }

    func claimedFiles(_ input: String) -> [String] {
        let processing = input + "/processing"
        return ((try? fm.contentsOfDirectory(atPath: processing)) ?? []).flatMap { d in
            ((try? fm.contentsOfDirectory(atPath: processing + "/" + d)) ?? []).filter { $0 != ".heartbeat" }
        }
    }

    func listing(_ dir: String) -> [String] {
        ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func testFiftyFilesThreeWatchersOneKilledMidFile() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let (input, output, preset) = try makeFolders(scratch)
        let sources = try batchFiles(count: 50)
        XCTAssertEqual(sources.count, 50)
        let names = sources.enumerated().map { dropName($1, $0) }
        let args = [input, "--out", output, "--pipeline", preset, "--json", "--settle", "0.5", "--scan-interval", "0.5"]
        var watchers = try (0..<3).map { try WatcherProcess(arguments: args, logPath: scratch.path("log\($0).jsonl")) }

        // A big page first, so the victim is surely mid-file when it is killed.
        let big = "documents/ocrd-kant_aufklaerung_1784-NRM_0017.png"
        let bigName = "00-big-" + (big as NSString).lastPathComponent
        let dropper = DispatchQueue(label: "dropper")
        let dropping = DispatchGroup()
        nonisolated(unsafe) var dropErrors: [String] = []
        dropper.async(group: dropping) {
            do {
                try Self.drop(Corpus.path(big), as: input + "/" + bigName, mode: 0)
                for (i, rel) in sources.enumerated() {
                    try Self.drop(Corpus.path(rel), as: input + "/" + names[i], mode: i % 3)
                }
            } catch {
                dropErrors.append("\(error)")
            }
        }
        // Kill the watcher holding a file, mid-file, then start another one.
        var victimHeld: [String] = []
        XCTAssertTrue(
            waitUntil(timeout: 60) {
                for w in watchers {
                    let held = (try? fm.contentsOfDirectory(atPath: input + "/processing"))?.filter {
                        $0.split(separator: "~").dropFirst().first == Substring("\(w.pid)")
                    } ?? []
                    for d in held {
                        let files = ((try? fm.contentsOfDirectory(atPath: input + "/processing/" + d)) ?? [])
                            .filter { $0 != ".heartbeat" }
                        if !files.isEmpty {
                            victimHeld = files
                            w.signal(SIGKILL)
                            return true
                        }
                    }
                }
                return false
            }, "no watcher ever held a file")
        XCTAssertFalse(victimHeld.isEmpty)
        watchers.append(try WatcherProcess(arguments: args, logPath: scratch.path("log3.jsonl")))
        dropping.wait()
        XCTAssertEqual(dropErrors, [])

        let all = Set(names + [bigName])
        let finished = waitUntil(timeout: 240) {
            Set(listing(input + "/done")).union(listing(input + "/failed").filter { !$0.hasSuffix(".error.txt") })
                .count == all.count
        }
        XCTAssertTrue(finished, "not every file finished: left \(listing(input)), claimed \(claimedFiles(input))")
        for w in watchers { w.signal(SIGTERM) }
        for (i, w) in watchers.enumerated() where i != 0 && w.process.isRunning || i == 3 {
            XCTAssertEqual(w.wait(timeout: 60), 0, "watcher \(i) exits cleanly on SIGTERM: \(w.stderrText)")
        }

        // Every input exactly once in done/ or failed/, none left behind.
        let done = Set(listing(input + "/done"))
        let failed = Set(listing(input + "/failed").filter { !$0.hasSuffix(".error.txt") })
        XCTAssertTrue(done.isDisjoint(with: failed))
        XCTAssertEqual(done.union(failed), all)
        XCTAssertEqual(listing(input).filter { !["processing", "done", "failed"].contains($0) }, [])
        XCTAssertEqual(claimedFiles(input), [])
        // No file was taken twice by live watchers: at most one done/failed event per input.
        var counts: [String: Int] = [:]
        for w in watchers {
            for e in w.events() where ["done", "failed"].contains(e["event"] as? String ?? "") {
                counts[e["input"] as? String ?? "", default: 0] += 1
            }
        }
        XCTAssertEqual(counts.filter { $0.value > 1 }, [:], "inputs taken twice")
        let reclaimed = watchers.flatMap { $0.events() }.filter { $0["event"] as? String == "reclaimed" }
        XCTAssertEqual(
            Set(reclaimed.compactMap { $0["input"] as? String }), Set(victimHeld),
            "the killed watcher's file was put back and redone")

        // Each output matches a direct compress; each failure is a file that cannot be compressed.
        for name in all.sorted() {
            let outputPath = output + "/" + BatchInputs.outputName(for: name)
            let expected = try direct(
                done.contains(name) ? input + "/done/" + name : input + "/failed/" + name, preset: preset,
                scratch: scratch)
            if done.contains(name) {
                XCTAssertNotNil(expected, "\(name) is done but does not compress directly")
                XCTAssertEqual(fm.contents(atPath: outputPath), expected, "\(name): output differs from a direct compress")
            } else {
                XCTAssertNil(expected, "\(name) failed in the watch folder but compresses directly")
                let report = try String(contentsOfFile: input + "/failed/" + name + ".error.txt", encoding: .utf8)
                XCTAssertTrue(report.contains("error: ") && report.contains(name), report)
                XCTAssertFalse(fm.fileExists(atPath: outputPath))
            }
        }
        XCTAssertGreaterThanOrEqual(failed.count, 3, "the broken TIFFs failed")
        // Only .tess files (and at most dot-named temporaries of the killed watcher) in the output folder.
        let outs = try fm.contentsOfDirectory(atPath: output)
        XCTAssertEqual(outs.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".tess") }, [])
        XCTAssertEqual(Set(outs.filter { !$0.hasPrefix(".") }), Set(done.map { BatchInputs.outputName(for: $0) }))
    }

    func testAFileStillBeingWrittenIsNotTaken() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let (input, output, preset) = try makeFolders(scratch)
        let w = try WatcherProcess(
            arguments: [input, "--out", output, "--pipeline", preset, "--json", "--settle", "1"],
            logPath: scratch.path("log.jsonl"))
        let data = try Data(contentsOf: URL(fileURLWithPath: Corpus.path("kodak/kodim07.png")))
        let target = input + "/slow.png"
        // Ten pieces, each written by a new open/close (inotify sees IN_CLOSE_WRITE every time),
        // 0.3 s apart: the file must stay untouched in the folder until the last piece.
        let pieces = 10
        let size = (data.count + pieces - 1) / pieces
        fm.createFile(atPath: target, contents: nil)
        for p in 0..<pieces {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
            try h.seekToEnd()
            try h.write(contentsOf: data.subdata(in: (p * size)..<min((p + 1) * size, data.count)))
            try h.close()
            for _ in 0..<6 {
                usleep(50_000)
                XCTAssertTrue(fm.fileExists(atPath: target), "taken after \(p + 1) of \(pieces) pieces")
            }
        }
        XCTAssertTrue(waitUntil(timeout: 60) { fm.fileExists(atPath: input + "/done/slow.png") }, w.stderrText)
        XCTAssertEqual(fm.contents(atPath: input + "/done/slow.png"), data, "the input is never modified")
        XCTAssertEqual(fm.contents(atPath: output + "/slow.tess"), try direct(target.replacingOccurrences(of: "/slow.png", with: "/done/slow.png"), preset: preset, scratch: scratch))
        w.signal(SIGINT)
        XCTAssertEqual(w.wait(timeout: 30), 0)
        XCTAssertEqual(w.events().last?["event"] as? String, "summary")
    }

    func testSigtermMidFileFinishesItAndExitsCleanly() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let (input, output, preset) = try makeFolders(scratch)
        let w = try WatcherProcess(
            arguments: [input, "--out", output, "--pipeline", preset, "--codewords", "64", "--settle", "0.2"],
            logPath: scratch.path("log.txt"))
        let name = "page.png"
        try drop(Corpus.path("documents/ocrd-kant_aufklaerung_1784-NRM_0017.png"), as: input + "/" + name, mode: 0)
        try drop(Corpus.path("kodak/kodim09.png"), as: input + "/later.png", mode: 2)
        XCTAssertTrue(waitUntil(timeout: 30) { !claimedFiles(input).isEmpty }, w.stderrText)
        w.signal(SIGTERM)
        XCTAssertEqual(w.wait(timeout: 120), 0, w.stderrText)
        // Whatever it held is finished; nothing is lost or half-written.
        let done = listing(input + "/done")
        XCTAssertFalse(done.isEmpty)
        for d in done { XCTAssertTrue(fm.fileExists(atPath: output + "/" + BatchInputs.outputName(for: d))) }
        XCTAssertEqual(Set(done + listing(input).filter { $0.hasSuffix(".png") }), [name, "later.png"])
        XCTAssertEqual(claimedFiles(input), [])
        XCTAssertTrue(try String(contentsOfFile: w.logPath, encoding: .utf8).contains("summary: "))
        let verify = try CommandRunner.tessera(["verify", output + "/" + BatchInputs.outputName(for: done[0])])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    }

    /// A second signal does not wait: the file in flight goes back to the folder, unfinished,
    /// and nothing appears under its output name.
    func testSecondSignalGivesTheFileBackAndExits() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let (input, output, _) = try makeFolders(scratch)
        let w = try WatcherProcess(
            arguments: [input, "--out", output, "--codewords", "1024", "--samples", "200000", "--threads", "1", "--settle", "0.2"],
            logPath: scratch.path("log.txt"))
        try drop(Corpus.path("documents/ocrd-kant_aufklaerung_1784-NRM_0017.png"), as: input + "/page.png", mode: 0)
        XCTAssertTrue(waitUntil(timeout: 30) { !claimedFiles(input).isEmpty }, w.stderrText)
        w.signal(SIGTERM)
        usleep(100_000)
        w.signal(SIGTERM)
        XCTAssertEqual(w.wait(timeout: 30), 128 + SIGTERM, w.stderrText)
        XCTAssertTrue(fm.fileExists(atPath: input + "/page.png"), "given back: \(listing(input))")
        XCTAssertEqual(listing(input + "/done"), [])
        XCTAssertFalse(fm.fileExists(atPath: output + "/page.tess"))
        XCTAssertTrue(try String(contentsOfFile: w.logPath, encoding: .utf8).contains("released  page.png"))
    }

    /// A worker on another host can only be judged by its heartbeat: its files are left alone
    /// while the heartbeat is fresh and taken back once it is older than the lease.
    func testAnotherHostsFilesAreReclaimedOnlyAfterTheLease() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let (input, output, preset) = try makeFolders(scratch)
        let fresh = input + "/processing/otherhost.example~4242~17", stale = input + "/processing/farhost~77~99"
        for (dir, file, age) in [(fresh, "fresh.png", 0.0), (stale, "stale.png", 3600.0)] {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try fm.copyItem(atPath: Corpus.path("kodak/kodim11.png"), toPath: dir + "/" + file)
            fm.createFile(atPath: dir + "/.heartbeat", contents: nil)
            let when = Date().addingTimeInterval(-age)
            try fm.setAttributes([.modificationDate: when], ofItemAtPath: dir + "/.heartbeat")
        }
        let r = try CommandRunner.tessera(
            ["watch", input, "--out", output, "--pipeline", preset, "--lease", "600", "--once", "--settle", "0", "--json"],
            timeout: 60)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(listing(input + "/done"), ["stale.png"])
        XCTAssertTrue(fm.fileExists(atPath: fresh + "/fresh.png"), "a live worker's file is not taken")
        XCTAssertFalse(fm.fileExists(atPath: stale), "the dead worker's folder is gone")
        XCTAssertTrue(r.stdout.contains("\"event\":\"reclaimed\""), r.stdout)
        XCTAssertTrue(fm.fileExists(atPath: output + "/stale.tess"))
    }

    func testPollingFallbackAndOnceMode() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let (input, output, preset) = try makeFolders(scratch)
        try drop(Corpus.path("kodak/kodim10.png"), as: input + "/a.png", mode: 2)
        try drop(Corpus.path("tiff-suite/broken/" + (try fm.contentsOfDirectory(atPath: Corpus.path("tiff-suite/broken")).sorted()[0])), as: input + "/bad.tif", mode: 2)
        try "x".write(toFile: input + "/.hidden.png", atomically: false, encoding: .utf8)
        let r = try CommandRunner.tessera(
            ["watch", input, "--out", output, "--pipeline", preset, "--poll", "--once", "--settle", "0", "--scan-interval", "0.2"],
            timeout: 60)
        XCTAssertEqual(r.status, 1, "--once exits 1 when a file failed: \(r.stderr)")
        XCTAssertEqual(listing(input + "/done"), ["a.png"])
        XCTAssertEqual(listing(input + "/failed"), ["bad.tif", "bad.tif.error.txt"])
        XCTAssertTrue(fm.fileExists(atPath: input + "/.hidden.png"), "dot-files are left alone")
        XCTAssertTrue(r.stdout.contains("failed    bad.tif: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("summary: 1 done, 1 failed"), r.stdout)
        XCTAssertTrue(fm.fileExists(atPath: output + "/a.tess"))
        // --delete-done: the input goes once its output is in place (and only then).
        try drop(Corpus.path("kodak/kodim12.png"), as: input + "/b.png", mode: 2)
        let d = try CommandRunner.tessera(
            ["watch", input, "--out", output, "--pipeline", preset, "--once", "--settle", "0", "--delete-done"], timeout: 60)
        XCTAssertEqual(d.status, 0, d.stderr)
        XCTAssertTrue(fm.fileExists(atPath: output + "/b.tess"))
        XCTAssertFalse(fm.fileExists(atPath: input + "/b.png"))
        XCTAssertEqual(listing(input + "/done"), ["a.png"])
    }

    /// Inputs whose names give one output (`a.png`, `a.tif`, `a.png` again) never replace one
    /// another: the later ones take `NAME.EXT.tess`, and when that is taken too the input goes to
    /// failed/ with the reason; an output once written keeps its bytes. Two workers.
    func testClashingNamesNeverReplaceAnOutput() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let (input, output, preset) = try makeFolders(scratch)
        let watch = ["watch", input, "--out", output, "--pipeline", preset, "--once", "--settle", "0", "--workers", "2"]
        try drop(Corpus.path("kodak/kodim10.png"), as: input + "/a.png", mode: 2)
        XCTAssertEqual(try CommandRunner.tessera(watch, timeout: 60).status, 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: output + "/a.tess"))
        // A TIFF and a second PNG of the same name, at once.
        let tif = try CommandRunner.tessera(["convert", Corpus.path("kodak/kodim12.png"), scratch.path("a.tif")])
        XCTAssertEqual(tif.status, 0, tif.stderr)
        try drop(scratch.path("a.tif"), as: input + "/a.tif", mode: 2)
        try drop(Corpus.path("kodak/kodim15.png"), as: input + "/a.png", mode: 2)
        let second = try CommandRunner.tessera(watch, timeout: 60)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(listing(output).filter { $0.hasSuffix(".tess") }, ["a.png.tess", "a.tess", "a.tif.tess"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output + "/a.tess")), first, "a.tess was replaced")
        XCTAssertTrue(second.stdout.contains("a.tif.tess"), second.stdout)
        // A third a.png: both of its names are taken, so it fails, kept in failed/ with the reason.
        try drop(Corpus.path("kodak/kodim20.png"), as: input + "/a.png", mode: 2)
        let third = try CommandRunner.tessera(watch, timeout: 60)
        XCTAssertEqual(third.status, 1, third.stderr)
        XCTAssertTrue(listing(input + "/failed").contains("a.png"), "\(listing(input + "/failed"))")
        let reason = try String(contentsOfFile: input + "/failed/a.png.error.txt", encoding: .utf8)
        XCTAssertTrue(reason.contains("exist already"), reason)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output + "/a.tess")), first)
        XCTAssertEqual(listing(output).filter { $0.hasSuffix(".tess") }.count, 3)
        // The first a.png again (as after a crash between writing its output and moving it to
        // done/): the same bytes under a.tess are its output already, so it is done, nothing new.
        try drop(Corpus.path("kodak/kodim10.png"), as: input + "/a.png", mode: 2)
        let again = try CommandRunner.tessera(watch, timeout: 60)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("a.tess"), again.stdout)
        XCTAssertEqual(listing(output).filter { $0.hasSuffix(".tess") }.count, 3)
    }
}
