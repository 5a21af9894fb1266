import Foundation
import TesseraCodebook
import TesseraIO
import TesseraSupport
import TestSupport
import XCTest

/// Every shipped preset compresses a real image through the CLI and does what it says;
/// a collection codebook is trained once and used by compress and watch alike.
final class PresetUseTests: XCTestCase {
    func run(_ args: [String]) throws -> String {
        let r = try CommandRunner.tessera(args)
        XCTAssertEqual(r.status, 0, "tessera \(args.joined(separator: " ")): \(r.stderr)")
        return r.stdout
    }

    func info(_ path: String) throws -> [String: Any] {
        let text = try run(["info", path, "--json"])
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }


    func largestError(_ a: PixelBuffer, _ b: PixelBuffer) -> Int {
        XCTAssertEqual(a.format, b.format)
        return zip(a.bytes, b.bytes).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
    }

    func testGreyDocumentPresetAndAnOverride() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let page = Corpus.path("documents/tesseract-hebtypo.png")
        _ = try run(["compress", page, "-o", scratch.path("a.tess"), "--pipeline", "grey-document", "--quiet"])
        var i = try info(scratch.path("a.tess"))
        // The preset's K = 256, less the few codewords entropy-constrained assignment left unused.
        XCTAssertTrue((230...256).contains(i["codewords"] as? Int ?? 0), "\(i["codewords"] ?? "-")")
        XCTAssertEqual(i["patch_size"] as? Int, 4)
        XCTAssertEqual(i["coding_mode"] as? String, "vq")
        // An option given on the command line wins over the preset.
        _ = try run(["compress", page, "-o", scratch.path("b.tess"), "--pipeline", "grey-document", "--codewords", "64", "--quiet"])
        i = try info(scratch.path("b.tess"))
        XCTAssertEqual(i["codewords"] as? Int, 64)
    }

    func testABadPresetStopsTheCommandBeforeAnyWork() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let bad = scratch.path("mine.yaml")
        try "description: mine\ncodebook:\n  codewords: 5000\n".write(toFile: bad, atomically: true, encoding: .utf8)
        for command in [
            ["compress", Corpus.path("kodak/kodim01.png"), "-o", scratch.path("x.tess")],
            ["train", Corpus.path("kodak/kodim01.png"), "-o", scratch.path("x.tcb")],
            ["watch", scratch.path("in"), "--out", scratch.path("out")],
        ] {
            try? FileManager.default.createDirectory(atPath: scratch.path("in"), withIntermediateDirectories: true)
            let r = try CommandRunner.tessera(command + ["--pipeline", bad])
            XCTAssertEqual(r.status, 1, command[0])
            XCTAssertEqual(
                r.stderr, "tessera: \(bad):3: codebook.codewords: 5000 is out of range (16 to 4096)\n", command[0])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("x.tess")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("x.tcb")))
        let r = try CommandRunner.tessera(["compress", Corpus.path("kodak/kodim01.png"), "-o", scratch.path("x.tess"), "--pipeline", "nonesuch"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("tessera: nonesuch: no such preset; known presets: "), r.stderr)
    }

    func testColorPhotoPreset() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        _ = try run(["compress", Corpus.path("kodak/kodim19.png"), "-o", scratch.path("p.tess"), "--pipeline", "colour-photo", "--quiet"])
        let i = try info(scratch.path("p.tess"))
        XCTAssertTrue((920...1024).contains(i["codewords"] as? Int ?? 0), "\(i["codewords"] ?? "-")")
        // Chroma planes: K/8, possibly pruned too.
        XCTAssertTrue(((i["codewords_per_plane"] as? [Int]) ?? []).dropFirst().allSatisfy { (100...128).contains($0) })
        XCTAssertEqual(i["channels"] as? Int, 3)
        XCTAssertEqual(i["colour_transform"] as? String, "ycbcr420")
        XCTAssertEqual(i["codebook_packed"] as? Bool, true)
        // --colour overrides the preset's colour key.
        _ = try run([
            "compress", Corpus.path("kodak/kodim19.png"), "-o", scratch.path("q.tess"), "--pipeline", "colour-photo",
            "--colour", "rgb", "--codewords", "64", "--quiet",
        ])
        XCTAssertEqual(try info(scratch.path("q.tess"))["colour_transform"] as? String, "none")
        // A collection codebook trained on colour photographs learns Y, Cb, Cr, and compress follows it.
        let tcb = scratch.path("photos.tcb")
        _ = try run([
            "train", Corpus.path("kodak/kodim19.png"), Corpus.path("kodak/kodim20.png"), "-o", tcb, "--codewords", "32",
            "--samples", "8000", "--quiet",
        ])
        _ = try run(["compress", Corpus.path("kodak/kodim21.png"), "-o", scratch.path("c.tess"), "--codebook", tcb, "--quiet"])
        let c = try info(scratch.path("c.tess"))
        XCTAssertEqual(c["colour_transform"] as? String, "ycbcr420", "chroma trained at half size")
        XCTAssertEqual(c["codewords_per_plane"] as? [Int], [32, 16, 16])
        XCTAssertEqual(c["codebook_packed"] as? Bool, false, "a given codebook is embedded as it is")
        // Trained with --colour ycbcr, the same collection codes with full-size chroma.
        _ = try run([
            "train", Corpus.path("kodak/kodim19.png"), "-o", scratch.path("full.tcb"), "--codewords", "32",
            "--samples", "8000", "--colour", "ycbcr", "--quiet",
        ])
        _ = try run([
            "compress", Corpus.path("kodak/kodim21.png"), "-o", scratch.path("f.tess"), "--codebook",
            scratch.path("full.tcb"), "--quiet",
        ])
        XCTAssertEqual(try info(scratch.path("f.tess"))["colour_transform"] as? String, "ycbcr")
        let bad = try CommandRunner.tessera(["compress", Corpus.path("kodak/kodim21.png"), "-o", scratch.path("b.tess"), "--colour", "cmyk"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--colour must be ycbcr420, ycbcr or rgb"), bad.stderr)
    }

    func testArchivalPresetKeepsEverySampleWithinTwo() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let photo = Corpus.path("kodak/kodim08.png")
        _ = try run(["compress", photo, "-o", scratch.path("n.tess"), "--pipeline", "archival", "--quiet"])
        XCTAssertEqual(try info(scratch.path("n.tess"))["max_error"] as? Int, 2)
        _ = try run(["decompress", scratch.path("n.tess"), "-o", scratch.path("n.ppm"), "--quiet"])
        let original = try ImageFiles.readAll(photo), decoded = try ImageFiles.readAll(scratch.path("n.ppm"))
        XCTAssertLessThanOrEqual(largestError(original, decoded), 2)
        // `tessera compare` agrees with the independent figures computed here.
        let text = try run(["compare", photo, scratch.path("n.ppm"), "--max-error", "2", "--threshold", "1", "--json"])
        let c = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        let sse = zip(original.bytes, decoded.bytes).reduce(0.0) { $0 + Double((Int($1.0) - Int($1.1)) * (Int($1.0) - Int($1.1))) }
        let psnr = 10 * log10(255.0 * 255 / (sse / Double(original.bytes.count)))
        XCTAssertEqual(c["psnr"] as? Double ?? 0, psnr, accuracy: 1e-9)
        XCTAssertEqual(c["max_error"] as? Int, largestError(original, decoded))
        var over = 0
        for i in 0..<(original.width * original.height) {
            if (0..<3).contains(where: { abs(Int(original.bytes[3 * i + $0]) - Int(decoded.bytes[3 * i + $0])) > 1 }) { over += 1 }
        }
        XCTAssertEqual(c["pixels_over_threshold"] as? Int, over)
        XCTAssertGreaterThan(c["ssim"] as? Double ?? 0, 0.98)
        XCTAssertLessThanOrEqual(c["ssim"] as? Double ?? 2, 1)
        // Over the bound: status 3 and a one-line reason.
        let r = try CommandRunner.tessera(["compare", photo, scratch.path("n.ppm"), "--max-error", "1"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("largest error 2 is over --max-error 1"), r.stderr)
        let size = try CommandRunner.tessera(["compare", photo, Corpus.path("documents/tesseract-hebtypo.png")])
        XCTAssertEqual(size.status, 1)
        XCTAssertTrue(size.stderr.contains("nothing to compare"), size.stderr)
    }

    func testLosslessPresetGivesTheExactBitsOfAOneBitScanBack() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let g4 = Corpus.path("documents/tesseract-eurotext.tif")
        _ = try run(["compress", g4, "-o", scratch.path("l.tess"), "--pipeline", "lossless", "--quiet"])
        XCTAssertEqual(try info(scratch.path("l.tess"))["bit_depth"] as? Int, 1)
        _ = try run(["decompress", scratch.path("l.tess"), "-o", scratch.path("l.pbm"), "--quiet"])
        let original = try ImageFiles.readAll(g4), decoded = try ImageFiles.readAll(scratch.path("l.pbm"))
        XCTAssertEqual(decoded.format.bitDepth, 1)
        XCTAssertTrue(original == decoded, "lossless 1-bit round trip differs")
    }

    /// `train` over a folder once; `compress --codebook` and `watch --codebook` then embed that
    /// same codebook (info shows its CRC-32C, the checksum the .tcb stores) in every file.
    func testCollectionCodebookTrainedOnceUsedByCompressAndWatch() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let batch = scratch.path("batch")
        try FileManager.default.createDirectory(atPath: batch, withIntermediateDirectories: true)
        for f in ["tesseract-hebtypo.png", "leptonica-lucasta.047.png", "tesseract-hebrew-nikud-genesis-1-2.png"] {
            try FileManager.default.copyItem(atPath: Corpus.path("documents/" + f), toPath: batch + "/" + f)
        }
        let tcb = scratch.path("collection.tcb")
        _ = try run(["train", batch, "-o", tcb, "--pipeline", "grey-document", "--codewords", "64", "--samples", "20000", "--quiet"])
        let crc = String(CRC32C.checksum(Array(try Data(contentsOf: URL(fileURLWithPath: tcb)).dropLast(4))), radix: 16)
        // Another codebook (another seed) shows another value.
        let other = scratch.path("other.tcb")
        _ = try run(["train", batch, "-o", other, "--codewords", "64", "--samples", "20000", "--seed", "9", "--quiet"])
        _ = try run(["compress", batch + "/tesseract-hebtypo.png", "-o", scratch.path("two.tess"), "--codebook", other, "--quiet"])
        XCTAssertNotEqual(
            (try info(scratch.path("two.tess"))["codebook_crc32c"] as? String).map { String(Int($0, radix: 16) ?? -1, radix: 16) },
            crc)
        _ = try run(["compress", batch + "/tesseract-hebtypo.png", "-o", scratch.path("one.tess"), "--codebook", tcb, "--quiet"])
        let watchIn = scratch.path("in")
        try FileManager.default.createDirectory(atPath: watchIn, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: batch + "/leptonica-lucasta.047.png", toPath: watchIn + "/leptonica-lucasta.047.png")
        _ = try run(["watch", watchIn, "--out", scratch.path("out"), "--codebook", tcb, "--once", "--settle", "0", "--quiet"])
        for file in [scratch.path("one.tess"), scratch.path("out/leptonica-lucasta.047.tess")] {
            let i = try info(file)
            XCTAssertEqual((i["codebook_crc32c"] as? String).map { String(Int($0, radix: 16) ?? -1, radix: 16) }, crc, file)
            XCTAssertEqual(i["codewords"] as? Int, 64)
        }
        // A codebook that does not fit the image is refused, naming it.
        let r = try CommandRunner.tessera(
            ["compress", Corpus.path("kodak/kodim01.png"), "-o", scratch.path("x.tess"), "--codebook", tcb])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("tessera: \(tcb): "), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("x.tess")))
    }
}
