import Foundation
import TestSupport
import TesseraFormat
import TesseraIO
import XCTest

@testable import TesseraPipeline

/// Coding mode `residual` (--max-error E, --lossless): the bound holds on every sample of real
/// images, lossless is bit-exact at every depth and colour model it takes, and damage is caught.
final class ResidualCodingTests: XCTestCase {
    /// Largest |a − b| over every sample, computed here from the raw bytes.
    func largestError(_ a: PixelBuffer, _ b: PixelBuffer) -> Int {
        XCTAssertEqual(a.format, b.format)
        XCTAssertEqual(a.width, b.width)
        XCTAssertEqual(a.height, b.height)
        var worst = 0
        for i in 0..<min(a.bytes.count, b.bytes.count) { worst = max(worst, abs(Int(a.bytes[i]) - Int(b.bytes[i]))) }
        return worst
    }

    func roundTrip(_ rel: String, maxError: Int, tile: Int = 256, threads: Int = 0) throws
        -> (original: PixelBuffer, decoded: PixelBuffer, report: CompressReport, bytes: Data?)
    {
        let scratch = try ScratchDirectory()
        var options = CompressOptions()
        options.maxError = maxError
        options.tileSize = tile
        options.threads = threads
        let out = scratch.path("r.tess")
        let report = try Compressor.compress(input: Corpus.path(rel), output: out, options: options)
        let image = try TessImage(path: out)
        XCTAssertEqual(image.header.codingMode, .residual)
        XCTAssertNil(image.reader.headerChunks[.codebook], "no codebook in this mode")
        let decoded = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
        return (try ImageFiles.readAll(Corpus.path(rel)), decoded, report, FileManager.default.contents(atPath: out))
    }

    func testMaxErrorHoldsOnEverySample() throws {
        try Corpus.require()
        for rel in ["kodak/kodim23.png", "documents/leptonica-lucasta.047.png"] {
            for e in [1, 2, 4] {
                let r = try roundTrip(rel, maxError: e)
                XCTAssertLessThanOrEqual(largestError(r.original, r.decoded), e, "\(rel) E=\(e)")
                XCTAssertLessThanOrEqual(r.report.maxError, e)
                XCTAssertGreaterThan(r.report.psnr, 10 * log10(255.0 * 255 / Double(e * e)), "\(rel) E=\(e)")
            }
        }
    }

    func testLosslessIsBitExactAtEveryDepthAndColourModel() throws {
        try Corpus.require()
        let cases = [
            "documents/leptonica-arabic.png",  // 1-bit grey
            "documents/tesseract-phototest.tif",  // 1-bit min-is-white G4 TIFF
            "pngsuite/basn0g02.png", "pngsuite/basn0g04.png",  // 2- and 4-bit grey
            "documents/tesseract-hebtypo.png",  // 8-bit grey
            "pngsuite/basn4a08.png",  // grey + alpha
            "kodak/kodim05.png",  // RGB
            "pngsuite/basn6a08.png",  // RGBA
        ]
        for rel in cases {
            let r = try roundTrip(rel, maxError: 0, tile: 64)
            XCTAssertEqual(r.decoded.format, r.original.format, rel)
            XCTAssertTrue(r.decoded == r.original, "\(rel): lossless round trip differs")
            XCTAssertEqual(r.report.maxError, 0)
        }
    }

    func testAlphaStaysExactWhenColourIsNearLossless() throws {
        try Corpus.require()
        let r = try roundTrip("pngsuite/basn6a08.png", maxError: 4, tile: 16)
        let n = r.original.width * r.original.height
        for i in 0..<n { XCTAssertEqual(r.decoded.bytes[4 * i + 3], r.original.bytes[4 * i + 3], "alpha of pixel \(i)") }
        XCTAssertLessThanOrEqual(largestError(r.original, r.decoded), 4)
    }

    func testThreadCountDoesNotChangeTheFile() throws {
        try Corpus.require()
        let one = try roundTrip("kodak/kodim03.png", maxError: 2, threads: 1)
        let two = try roundTrip("kodak/kodim03.png", maxError: 2, threads: 2)
        XCTAssertNotNil(one.bytes)
        XCTAssertEqual(one.bytes, two.bytes)
    }

    /// 16-bit images keep their precision: lossless is exact at 16 bits, and near-lossless holds
    /// its bound in 16-bit units (the PngSuite's 16-bit files: grey, RGB, grey+alpha, RGBA).
    func testSixteenBitKeepsItsPrecision() throws {
        try Corpus.require()
        for rel in ["pngsuite/basn0g16.png", "pngsuite/basn2c16.png", "pngsuite/basn4a16.png", "pngsuite/basn6a16.png"] {
            let exact = try roundTrip(rel, maxError: 0, tile: 16)
            XCTAssertEqual(exact.decoded.format.bitDepth, 16)
            XCTAssertTrue(exact.decoded == exact.original, "\(rel): 16-bit lossless differs")
            let near = try roundTrip(rel, maxError: 3, tile: 16)
            var worst = 0
            for i in 0..<(near.original.bytes.count / 2) {
                let a = Int(near.original.bytes[2 * i]) | Int(near.original.bytes[2 * i + 1]) << 8
                let b = Int(near.decoded.bytes[2 * i]) | Int(near.decoded.bytes[2 * i + 1]) << 8
                worst = max(worst, abs(a - b))
            }
            XCTAssertLessThanOrEqual(worst, 3, rel)
            XCTAssertEqual(near.report.maxError, worst, "\(rel): the report measures at 16 bits")
        }
    }

    /// `psnr:` meets its target on real images (photograph, grey page, colour page) and keeps
    /// the smallest of the files it tried that meet it.
    func testPSNRTargetIsMet() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        for rel in ["kodak/kodim19.png", "documents/tesseract-hebtypo.png", "documents/ocrd-DIBCO11-PR4.png"] {
            for target in [32.0, 42.0] {
                let out = scratch.path("t.tess")
                var base = CompressOptions()
                base.samples = 20_000
                base.maxIterations = 8
                let (report, attempts) = try QualityTarget.compress(
                    input: Corpus.path(rel), output: out, psnr: target, base: base)
                XCTAssertGreaterThanOrEqual(report.psnr, target, "\(rel) at \(target) dB")
                let meeting = attempts.filter(\.meetsTarget)
                XCTAssertEqual(report.outputBytes, meeting.map(\.bytes).min(), "\(rel): the smallest that meets it")
                // The file is the one reported, and it decodes to that PSNR.
                let image = try TessImage(path: out)
                let decoded = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
                let original = try ImageFiles.readAll(Corpus.path(rel))
                let sse = zip(original.bytes, decoded.bytes).reduce(0.0) { $0 + Double((Int($1.0) - Int($1.1)) * (Int($1.0) - Int($1.1))) }
                let measured = sse == 0 ? Double.infinity : 10 * log10(255.0 * 255 / (sse / Double(original.bytes.count)))
                XCTAssertGreaterThanOrEqual(measured, target, rel)
                let left = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter { $0.hasPrefix(".") }
                XCTAssertEqual(left, [], "no attempt is left behind")
            }
        }
    }

    /// `--quality`: higher Q never gives a smaller file or a lower PSNR on a real page, and 100 is exact.
    func testQualityKnobIsMonotone() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        var last: (bytes: Int, psnr: Double)?
        for q in [10, 45, 65, 95, 99, 100] {
            let options = QualityTarget.options(quality: q, base: CompressOptions())
            let r = try Compressor.compress(
                input: Corpus.path("documents/tesseract-hebtypo.png"), output: scratch.path("q\(q).tess"), options: options)
            if let last {
                XCTAssertGreaterThanOrEqual(r.outputBytes, last.bytes, "Q=\(q)")
                XCTAssertGreaterThanOrEqual(r.psnr, last.psnr, "Q=\(q)")
            }
            last = (r.outputBytes, r.psnr)
            if q == 100 { XCTAssertEqual(r.maxError, 0) }
            if q == 95 { XCTAssertLessThanOrEqual(r.maxError, 5) }
        }
    }

    /// Wide (16-bit) residuals: every ZigZag value survives its token and raw bits.
    func testWideTokensRoundTrip() throws {
        var writer = RawBitWriter()
        var tokens: [Int] = []
        let values = Array(0..<300) + stride(from: 300, through: 131_071, by: 37).map { $0 } + [131_071]
        for u in values {
            let (t, n, raw) = ResidualPlaneCoder.token(u)
            XCTAssertLessThan(t, ResidualPlaneCoder.tokenCount, "\(u)")
            tokens.append(t)
            if n > 0 { writer.put(raw, count: n) }
        }
        var reader = RawBitReader(writer.finish())
        let back = tokens.map { t in ResidualPlaneCoder.value(token: t) { reader.take($0) } }
        XCTAssertEqual(back, values)
        XCTAssertTrue(reader.isConsistent)
    }

    /// A flipped byte in a residual stream is caught (CRC) and a forged stream whose CRC is
    /// right but whose counts lie is refused by the decoder, never read out of bounds.
    func testDamagedResidualStreamsAreRefused() throws {
        try Corpus.require()
        let coder = ResidualPlaneCoder(bitDepth: 8, maxError: 0)
        let tile = try ImageFiles.readAll(Corpus.path("pngsuite/basn0g08.png"))
        var decoded = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
        let stream = try coder.encode(tile, plane: 0, into: &decoded)
        XCTAssertEqual(decoded, tile)
        var good = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
        try coder.decode(stream[...], plane: 0, into: &good, context: "test")
        XCTAssertEqual(good, tile)
        var forged = stream
        forged[0] &+= 1  // the first context's count
        var out = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
        XCTAssertThrowsError(try coder.decode(forged[...], plane: 0, into: &out, context: "tile (0, 0)")) { error in
            XCTAssertTrue("\(error)".contains("tile (0, 0)"), "\(error)")
        }
        XCTAssertThrowsError(try coder.decode(stream.dropLast(3), plane: 0, into: &out, context: "t"))
    }
}
