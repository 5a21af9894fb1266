import Foundation
import TesseraBatch
import TestSupport
import XCTest

/// `--shard I/N`: shares are disjoint, cover the batch, and do not depend on argument order.
final class ShardTests: XCTestCase {
    func testParsing() throws {
        XCTAssertEqual(try Shard(parsing: "3/8"), Shard(index: 3, count: 8))
        XCTAssertEqual(try Shard(parsing: "1/1"), Shard(index: 1, count: 1))
        for bad in ["0/4", "5/4", "3", "a/b", "1/0", "-1/4", "1/4/2", ""] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(bad): "), "\(error)")
            }
        }
    }

    func testSharesAreDisjointAndCoverTheBatch() throws {
        try Corpus.require()
        let items = try BatchInputs.expand([Corpus.path("kodak"), Corpus.path("documents")], outputFolder: "/out")
        XCTAssertGreaterThanOrEqual(items.count, 50)
        XCTAssertEqual(items.map(\.relativeOutput), items.map(\.relativeOutput).sorted())
        for n in [1, 2, 3, 7, 100] {
            var seen: [String] = []
            for i in 1...n { seen += try Shard(parsing: "\(i)/\(n)").select(items).map(\.input) }
            XCTAssertEqual(seen.sorted(), items.map(\.input).sorted(), "N = \(n): every file exactly once")
        }
        // The same batch named in another order gives the same shares.
        let reversed = try BatchInputs.expand([Corpus.path("documents"), Corpus.path("kodak")], outputFolder: "/out")
        XCTAssertEqual(Shard(index: 2, count: 3).select(reversed), Shard(index: 2, count: 3).select(items))
    }

    func testFoldersKeepSubfoldersAndSkipIgnoredNames() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let tree = scratch.path("tree")
        try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: true)
        for (src, dst) in [
            ("kodak/kodim01.png", "a.png"), ("kodak/kodim02.png", "sub/b.png"), ("kodak/kodim03.png", ".hidden.png"),
            ("kodak/kodim04.png", "c.png.part"),
        ] {
            try FileManager.default.copyItem(atPath: Corpus.path(src), toPath: tree + "/" + dst)
        }
        try "notes".write(toFile: tree + "/readme.txt", atomically: true, encoding: .utf8)
        let items = try BatchInputs.expand([tree], outputFolder: "/out")
        XCTAssertEqual(items.map(\.output), ["/out/a.tess", "/out/sub/b.tess"])
        // Two inputs with one output name both get one: the second its whole name.
        try FileManager.default.copyItem(atPath: Corpus.path("kodak/kodim05.png"), toPath: tree + "/a.tif")
        try FileManager.default.copyItem(atPath: Corpus.path("kodak/kodim06.png"), toPath: tree + "/sub/b.tiff")
        XCTAssertEqual(
            try BatchInputs.expand([tree], outputFolder: "/out").map(\.output),
            ["/out/a.tess", "/out/a.tif.tess", "/out/sub/b.tess", "/out/sub/b.tiff.tess"])
        XCTAssertEqual(
            try BatchInputs.expand([tree], outputFolder: "/out").map { ($0.input as NSString).lastPathComponent },
            ["a.png", "a.tif", "b.png", "b.tiff"])
        // A file named twice is one input; a clash that remains (a third `a.png` from another
        // folder) is refused, naming both.
        XCTAssertEqual(try BatchInputs.expand([tree + "/a.png", tree + "/a.png"], outputFolder: "/out").count, 1)
        for d in ["x", "y"] {
            try FileManager.default.createDirectory(atPath: scratch.path(d), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Corpus.path("kodak/kodim07.png"), toPath: scratch.path(d + "/a.png"))
        }
        XCTAssertThrowsError(
            try BatchInputs.expand([tree + "/a.png", scratch.path("x/a.png"), scratch.path("y/a.png")], outputFolder: "/out")
        ) { error in
            XCTAssertTrue("\(error)".contains("is also the output of"), "\(error)")
        }
    }

    /// Three shard processes compress a folder; together they write every output once, each
    /// identical to compressing that file alone.
    func testShardProcessesSplitAFolder() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let input = scratch.path("in")
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let files = ["kodim01.png", "kodim02.png", "kodim03.png", "kodim04.png", "kodim05.png"]
        for f in files { try FileManager.default.copyItem(atPath: Corpus.path("kodak/" + f), toPath: input + "/" + f) }
        let fast = ["--codewords", "16", "--samples", "2000", "--max-iterations", "4", "--tile", "128"]
        var written: [String] = []
        for i in 1...3 {
            let r = try CommandRunner.tessera(["compress", input, "--out-dir", scratch.path("out"), "--shard", "\(i)/3"] + fast)
            XCTAssertEqual(r.status, 0, r.stderr)
            written += r.stdout.split(separator: "\n").filter { $0.contains(".tess: ") }.map { String($0) }
        }
        XCTAssertEqual(written.count, files.count, "each file in exactly one shard: \(written)")
        let outputs = try FileManager.default.contentsOfDirectory(atPath: scratch.path("out")).sorted()
        XCTAssertEqual(outputs, files.map { $0.replacingOccurrences(of: ".png", with: ".tess") })
        let alone = try CommandRunner.tessera(["compress", input + "/kodim03.png", "-o", scratch.path("alone.tess")] + fast)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertEqual(
            FileManager.default.contents(atPath: scratch.path("alone.tess")),
            FileManager.default.contents(atPath: scratch.path("out/kodim03.tess")))
        // Resuming skips what exists.
        let again = try CommandRunner.tessera(
            ["compress", input, "--out-dir", scratch.path("out"), "--skip-existing"] + fast)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 compressed, 0 failed, 5 skipped"), again.stdout)
    }
}
