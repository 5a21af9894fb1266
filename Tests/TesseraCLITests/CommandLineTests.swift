import Foundation
import TesseraSupport
import TestSupport
import XCTest

/// The `tessera` command as a user runs it: real processes, real corpus files.
final class CommandLineTests: XCTestCase {
    private let quick = ["--codewords", "64", "--samples", "8000", "--max-iterations", "8"]

    func testCompressDecompressRegionInfoVerify() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let input = Corpus.path("documents/tesseract-hebtypo.png")
        let tess = dir.path("page.tess")
        let compress = try CommandRunner.tessera(["compress", input, "-o", tess, "--json"] + quick)
        XCTAssertEqual(compress.status, 0, compress.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(compress.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["width"] as? Int, 847)
        XCTAssertGreaterThan(report?["psnr"] as? Double ?? 0, 20)
        XCTAssertGreaterThan(report?["ratio"] as? Double ?? 0, 4)

        let info = try CommandRunner.tessera(["info", tess, "--json"])
        XCTAssertEqual(info.status, 0, info.stderr)
        let fields = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(fields?["height"] as? Int, 1629)
        XCTAssertEqual(fields?["codewords"] as? Int, 64)

        let verify = try CommandRunner.tessera(["verify", tess])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.contains("OK"), verify.stdout)

        let region = dir.path("crop.pnm")
        let decode = try CommandRunner.tessera(["decompress", tess, "-o", region, "--region", "100,200,300,150"])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        let header = try String(decoding: Data(contentsOf: URL(fileURLWithPath: region)).prefix(15), as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("P5\n300 150\n255\n"), header)

        let outside = try CommandRunner.tessera(["decompress", tess, "-o", dir.path("x.png"), "--region", "800,0,100,10"])
        XCTAssertNotEqual(outside.status, 0)
        XCTAssertTrue(outside.stderr.contains("not inside"), outside.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("x.png")))
    }

    /// Reduced views from the command line: --size W,H / W, / ,H and --scale keep the aspect as
    /// asked; the output is what the library's view gives (checked against a PNM written by it);
    /// bad sizes are refused and leave no output.
    func testReducedViewsFromTheCommandLine() throws {
        let dir = try ScratchDirectory()
        let tess = Fixtures.path("golden/kodim23-rgb8.tess")  // 203x137
        for (args, size) in [
            (["--size", "100,"], "100x67"), (["--size", ",50"], "74x50"), (["--size", "60,20"], "60x20"),
            (["--scale", "0.5"], "102x69"), (["--region", "10,10,100,100", "--scale", "0.25"], "25x25"),
            (["--scale", "1"], "203x137"),
        ] {
            let out = dir.path("v.ppm")
            let r = try CommandRunner.tessera(["decompress", tess, "-o", out] + args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains(size), "\(args): \(r.stdout)")
            let header = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)).prefix(20), as: UTF8.self)
            XCTAssertTrue(header.hasPrefix("P6\n" + size.replacingOccurrences(of: "x", with: " ")), "\(args): \(header)")
        }
        // A 1-bit page gives a grey view.
        let grey = dir.path("g.pgm")
        let g = try CommandRunner.tessera(["decompress", Fixtures.path("golden/pageseg2-grey1.tess"), "-o", grey, "--size", "64,"])
        XCTAssertEqual(g.status, 0, g.stderr)
        XCTAssertTrue(g.stdout.contains("64x50 grey 8-bit"), g.stdout)
        for args in [["--size", "0,"], ["--size", "300,"], ["--size", "10"], ["--scale", "0"], ["--scale", "1.5"], ["--scale", "0.5", "--size", "10,"]] {
            let out = dir.path("bad.ppm")
            let r = try CommandRunner.tessera(["decompress", tess, "-o", out] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains("--size") || r.stderr.contains("--scale"), "\(args): \(r.stderr)")
            // One line naming the file, no usage text.
            XCTAssertTrue(r.stderr.hasPrefix("tessera: \(tess): "), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(args)")
        }
        let outside = try CommandRunner.tessera(["decompress", tess, "-o", dir.path("o.ppm"), "--region", "0,0,999,9"])
        XCTAssertEqual(outside.status, 1)
        XCTAssertEqual(outside.stderr, "tessera: \(tess): --region 0,0,999,9 is not inside the 203x137 image\n")
    }

    /// Resolution levels from the command line: compress stores them (and reports them in
    /// --json), info lists them, verify checks them and names a damaged level tile, a view at
    /// a stored level reads it; --no-levels and a preset's `levels: false` store none.
    func testResolutionLevelsFromTheCommandLine() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let input = Corpus.path("kodak/kodim05.png")  // 768x512: level 3 is 96x64, larger than a 32² tile
        let tess = dir.path("l.tess")
        let c = try CommandRunner.tessera(["compress", input, "-o", tess, "--tile", "32", "--json"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
        let levels = try XCTUnwrap(report["levels"] as? [[String: Any]])
        XCTAssertEqual(levels.map { $0["level"] as? Int }, [4, 5])
        for l in levels {
            XCTAssertGreaterThanOrEqual(l["psnr"] as? Double ?? 0, report["psnr"] as? Double ?? 99, "\(l)")
            XCTAssertTrue((l["coding"] as? String ?? "").hasPrefix("transform step"), "\(l)")
        }
        let info = try CommandRunner.tessera(["info", tess])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("levels       6 (format version 2)"), info.stdout)
        XCTAssertTrue(info.stdout.contains("3  1/8  96 x 64  made from full resolution"), info.stdout)
        XCTAssertTrue(info.stdout.contains("4  1/16  48 x 32  stored,"), info.stdout)
        let json = try CommandRunner.tessera(["info", tess, "--json"])
        let fields = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(fields["format_version"] as? Int, 2)
        XCTAssertEqual((fields["levels"] as? [[String: Any]])?.compactMap { $0["stored"] as? Bool }, [false, false, false, false, true, true])
        let verify = try CommandRunner.tessera(["verify", tess])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.contains("384 tiles and 3 tiles of 2 stored levels checked"), verify.stdout)
        let view = dir.path("v.ppm")
        let d = try CommandRunner.tessera(["decompress", tess, "-o", view, "--size", "48,"])
        XCTAssertEqual(d.status, 0, d.stderr)
        XCTAssertTrue(d.stdout.contains("48x32"), d.stdout)
        // A damaged level tile (checksum left wrong): verify names it and exits 2; views still work.
        let file = try GoldenFile(path: tess)
        var bytes = file.bytes
        let span = try XCTUnwrap(file.levelTiles.first)
        bytes[span.payloadStart + span.length - 1] ^= 0x10
        let damaged = dir.path("d.tess")
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let v2 = try CommandRunner.tessera(["verify", damaged])
        XCTAssertEqual(v2.status, 2)
        XCTAssertTrue(v2.stdout.contains("level \(file.bytes[span.payloadStart]) tile (0, 0) damaged"), v2.stdout)
        XCTAssertTrue(v2.stderr.contains("1 of 3 level tiles"), v2.stderr)
        let d2 = try CommandRunner.tessera(["decompress", damaged, "-o", view, "--size", "48,"])
        XCTAssertEqual(d2.status, 0, d2.stderr)
        // None: --no-levels, or a preset.
        let plain = dir.path("n.tess")
        XCTAssertEqual(try CommandRunner.tessera(["compress", input, "-o", plain, "--tile", "32", "--no-levels"]).status, 0)
        XCTAssertTrue(try CommandRunner.tessera(["info", plain]).stdout.contains("levels       6 (format version 1)"))
        let preset = dir.path("nolevels.yaml")
        try "tile: 32\nlevels: false\n".write(toFile: preset, atomically: true, encoding: .utf8)
        let viaPreset = dir.path("p.tess")
        let p = try CommandRunner.tessera(["compress", input, "-o", viaPreset, "--pipeline", preset])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertTrue(try CommandRunner.tessera(["info", viaPreset]).stdout.contains("(format version 1)"))
        let bad = dir.path("bad.yaml")
        try "levels: maybe\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let b = try CommandRunner.tessera(["compress", input, "-o", dir.path("b.tess"), "--pipeline", bad])
        XCTAssertNotEqual(b.status, 0)
        XCTAssertTrue(b.stderr.contains("levels") && b.stderr.contains("true or false"), b.stderr)
    }

    /// Transform coding from the command line: --step, and the photo-transform preset; info says
    /// what the file is; what it cannot take is one line naming the file.
    func testTransformCodingFromTheCommandLine() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let tess = dir.path("k.tess")
        let c = try CommandRunner.tessera(["compress", Corpus.path("kodak/kodim05.png"), "-o", tess, "--step", "8", "--json"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any]
        XCTAssertGreaterThan(report?["psnr"] as? Double ?? 0, 35)
        let info = try CommandRunner.tessera(["info", tess])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("coding       transform, 3 plane(s) (Y, Cb, Cr 4:2:0)"), info.stdout)
        XCTAssertTrue(info.stdout.contains("quantiser step 8.00 / 5.19 / 5.19"), info.stdout)
        let verify = try CommandRunner.tessera(["verify", tess])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        let png = dir.path("k.png")
        let d = try CommandRunner.tessera(["decompress", tess, "-o", png, "--region", "10,20,300,200"])
        XCTAssertEqual(d.status, 0, d.stderr)
        let preset = try CommandRunner.tessera(
            ["compress", Corpus.path("kodak/kodim05.png"), "-o", dir.path("p.tess"), "--pipeline", "photo-transform", "--json"])
        XCTAssertEqual(preset.status, 0, preset.stderr)
        let p = try JSONSerialization.jsonObject(with: Data(preset.stdout.utf8)) as? [String: Any]
        XCTAssertGreaterThan(p?["psnr"] as? Double ?? 0, report?["psnr"] as? Double ?? 0, "step 6 beats step 8")

        let sixteen = Corpus.path("pngsuite/basn0g16.png")
        let refused = try CommandRunner.tessera(["compress", sixteen, "-o", dir.path("s.tess"), "--step", "8"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.hasPrefix("tessera: \(sixteen): "), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("8-bit"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("s.tess")))
        let zero = try CommandRunner.tessera(["compress", sixteen, "-o", dir.path("s.tess"), "--step", "0"])
        XCTAssertNotEqual(zero.status, 0)
        XCTAssertTrue(zero.stderr.contains("--step must be 1 to 255"), zero.stderr)
    }

    /// A flipped byte inside one tile: verify names that tile and exits 2; the
    /// rest of the image still decodes region by region.
    func testVerifyNamesTheDamagedTile() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let tess = dir.path("k.tess")
        let c = try CommandRunner.tessera(
            ["compress", Corpus.path("kodak/kodim03.png"), "-o", tess, "--tile", "128", "--quiet"] + quick)
        XCTAssertEqual(c.status, 0, c.stderr)
        // Tile chunks start after the header region; damage the middle of the file's
        // tile area, then find which tile that was from verify's report.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: tess))
        let at = bytes.count * 3 / 4
        bytes[at] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: tess))
        let verify = try CommandRunner.tessera(["verify", tess])
        XCTAssertEqual(verify.status, 2, verify.stdout + verify.stderr)
        let damaged = verify.stdout.split(separator: "\n").filter { $0.contains("damaged") }
        XCTAssertEqual(damaged.count, 1, verify.stdout)
        XCTAssertTrue(verify.stderr.contains("1 of 24 tiles damaged"), verify.stderr)
        // A region away from the damage decodes.
        let ok = try CommandRunner.tessera(["decompress", tess, "-o", dir.path("r.png"), "--region", "0,0,64,64"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    /// Bad inputs: one line on stderr naming the file and the problem, non-zero exit, no output left.
    func testBadInputsGiveOneLineErrors() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let tess = dir.path("g.tess")
        let c = try CommandRunner.tessera(["compress", Corpus.path("kodak/kodim12.png"), "-o", tess, "--quiet"] + quick)
        XCTAssertEqual(c.status, 0, c.stderr)
        let good = try Data(contentsOf: URL(fileURLWithPath: tess))

        var cases: [(String, Data, String)] = [
            ("truncated.tess", good.prefix(good.count - 7), "truncated"),
            ("empty.tess", Data(), "too short"),
        ]
        var badMagic = good
        badMagic[2] = 0x00
        cases.append(("magic.tess", badMagic, "bad magic"))
        var newer = good
        newer[8] = 7
        cases.append(("version.tess", newer, "version 7"))
        for (name, data, fragment) in cases {
            let path = dir.path(name)
            try data.write(to: URL(fileURLWithPath: path))
            for command in [["info", path], ["verify", path], ["decompress", path, "-o", dir.path("out.png")]] {
                let r = try CommandRunner.tessera(command)
                XCTAssertEqual(r.status, 1, "\(command): \(r.stderr)")
                let lines = r.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, r.stderr)
                XCTAssertTrue(r.stderr.hasPrefix("tessera: \(path): "), r.stderr)
                XCTAssertTrue(r.stderr.contains(fragment), "\(name): \(r.stderr)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("out.png")))

        // A header whose fields pass one by one but not together (IHDR says grey+alpha with
        // one plane; its CRC recomputed): the first round's reader crashed on it.
        let golden = try GoldenFile(name: "hebtypo-grey8")
        let crafted = golden.modified(try XCTUnwrap(golden.chunks.first { $0.type == "IHDR" })) { $0[8] = 1 }
        let craftedPath = dir.path("crafted.tess")
        try Data(crafted).write(to: URL(fileURLWithPath: craftedPath))
        for command in [
            ["info", craftedPath], ["verify", craftedPath], ["decompress", craftedPath, "-o", dir.path("out.png")],
            ["decompress", craftedPath, "-o", dir.path("out.png"), "--region", "0,0,16,16"],
        ] {
            let r = try CommandRunner.tessera(command)
            XCTAssertEqual(r.status, 1, "\(command): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("tessera: \(craftedPath): "), r.stderr)
            XCTAssertTrue(r.stderr.contains("Plane_Count"), r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("out.png")))

        // A broken TIFF as input: no .tess is left behind.
        let broken = Corpus.path("tiff-suite/broken/pillow-tiff_overflow_rows_per_strip.tif")
        let r = try CommandRunner.tessera(["compress", broken, "-o", dir.path("b.tess")] + quick)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("tessera: \(broken): damaged file:"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix("b.") || $0.hasPrefix(".b.") }, [])
    }

    func testHelpReadsEndToEnd() throws {
        for sub in ["compress", "decompress", "info", "verify", "train", "convert", "probe"] {
            let r = try CommandRunner.tessera([sub, "--help"])
            XCTAssertEqual(r.status, 0, sub)
            XCTAssertTrue(r.stdout.contains("USAGE: tessera \(sub)"), r.stdout)
            XCTAssertTrue(r.stdout.contains("Example"), "\(sub) --help has no example")
        }
    }
}
