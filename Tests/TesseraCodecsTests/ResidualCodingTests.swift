import Foundation
import TestSupport
@testable import TesseraCodecs
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
        options.mode = try .residual(maxError: maxError)
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

    func testLosslessIsBitExactAtEveryDepthAndColorModel() throws {
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

    func testAlphaStaysExactWhenColorIsNearLossless() throws {
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
                base.mode = .vq(try VQOptions(samples: 20_000, maxIterations: 8))
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
            var options = CompressOptions()
            options.mode = QualityTarget.mode(quality: q)
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

    /// RPAR's Predictor field of a file.
    func predictor(of bytes: Data?) throws -> UInt8 {
        let scratch = try ScratchDirectory()
        let path = scratch.path("p.tess")
        try XCTUnwrap(bytes).write(to: URL(fileURLWithPath: path))
        let image = try TessImage(path: path)
        return try ResidualParameters(decoding: try XCTUnwrap(image.reader.headerChunks[.residualParameters])).predictor
    }

    /// Largest |a − b| over every 16-bit sample (little-endian), computed here from the raw bytes.
    func largestWideError(_ a: PixelBuffer, _ b: PixelBuffer) -> Int {
        XCTAssertEqual(a.bytes.count, b.bytes.count)
        var worst = 0
        for i in 0..<(min(a.bytes.count, b.bytes.count) / 2) {
            let x = Int(a.bytes[2 * i]) | Int(a.bytes[2 * i + 1]) << 8
            let y = Int(b.bytes[2 * i]) | Int(b.bytes[2 * i + 1]) << 8
            worst = max(worst, abs(x - y))
        }
        return worst
    }

    /// Inter-plane prediction (RPAR Predictor 1) keeps the bound on every R, G and B sample of
    /// real photographs and a colour page, at E = 0, 1, 2, 4 (tiles of 208 so that edge tiles
    /// are partial).
    func testInterPlanePredictionHoldsTheBoundOnColor() throws {
        try Corpus.require()
        for rel in ["kodak/kodim23.png", "kodak/kodim13.png", "documents/ocrd-DIBCO11-PR1.png"] {
            for e in [0, 1, 2, 4] {
                let r = try roundTrip(rel, maxError: e, tile: 208)
                XCTAssertEqual(r.original.format.channels, 3, rel)
                XCTAssertEqual(try predictor(of: r.bytes), ResidualParameters.interPlanePredictor, "\(rel) E=\(e)")
                XCTAssertLessThanOrEqual(largestError(r.original, r.decoded), e, "\(rel) E=\(e)")
                XCTAssertEqual(r.report.maxError, largestError(r.original, r.decoded), "\(rel) E=\(e)")
                if e == 0 { XCTAssertTrue(r.decoded == r.original, "\(rel): lossless round trip differs") }
            }
        }
    }

    /// Grey keeps the plain median predictor (its files are unchanged by inter-plane prediction).
    func testGreyKeepsTheMedianPredictor() throws {
        try Corpus.require()
        for e in [0, 2] {
            let r = try roundTrip("documents/tesseract-hebtypo.png", maxError: e)
            XCTAssertEqual(try predictor(of: r.bytes), ResidualParameters.medianPredictor, "E=\(e)")
        }
    }

    /// Lossless colour is bit-exact with inter-plane prediction at 8 and 16 bits, with and
    /// without alpha (alpha is coded on its own, exactly); near-lossless 16-bit colour keeps
    /// its bound in 16-bit units and alpha exact.
    func testInterPlaneLosslessIsBitExact() throws {
        try Corpus.require()
        for rel in [
            "kodak/kodim05.png",  // 8-bit RGB
            "pngsuite/basn6a08.png",  // 8-bit RGBA
            "tiff-suite/libtiff-test/rgb-3c-16b.tiff", "tiff-suite/libtiffpic/depth/flower-rgb-contig-16.tif",
            "pngsuite/basn2c16.png",  // 16-bit RGB
            "pngsuite/basn6a16.png",  // 16-bit RGBA
        ] {
            let exact = try roundTrip(rel, maxError: 0, tile: 64)
            XCTAssertEqual(exact.decoded.format, exact.original.format, rel)
            XCTAssertTrue(exact.decoded == exact.original, "\(rel): lossless round trip differs")
            XCTAssertEqual(exact.report.maxError, 0, rel)
            XCTAssertEqual(try predictor(of: exact.bytes), ResidualParameters.interPlanePredictor, rel)
            if exact.original.format.bitDepth == 16 {
                let near = try roundTrip(rel, maxError: 4, tile: 64)
                XCTAssertLessThanOrEqual(largestWideError(near.original, near.decoded), 4, rel)
                if near.original.format.channels == 4 {
                    let n = near.original.width * near.original.height
                    for i in 0..<n where near.original.bytes[8 * i + 6..<8 * i + 8] != near.decoded.bytes[8 * i + 6..<8 * i + 8] {
                        XCTFail("\(rel): alpha of pixel \(i) differs")
                        break
                    }
                }
            }
        }
    }

    /// A damaged stream of the inter-plane kind is refused with a ContainerError: a weight out
    /// of range, a plane stream too short for its weights, a forged context count, and every
    /// flipped byte either decodes (to other pixels) or is refused, never read out of bounds.
    func testDamagedInterPlaneStreamsAreRefused() throws {
        try Corpus.require()
        let tile = try kodimTile()
        let w = tile.width, h = tile.height
        let header = ImageHeader(
            width: w, height: h, format: tile.format, tileWidth: w, tileHeight: h, patchSize: 4,
            codingMode: .residual, planeCount: 3)
        let codec = ResidualCodec(
            header: header, parameters: ResidualParameters(maxError: 2, predictor: ResidualParameters.interPlanePredictor))
        let payload = try codec.encode(tile).payload
        let good = try codec.decode(payload[...], width: w, height: h, context: "tile (0, 0)").pixels()
        XCTAssertLessThanOrEqual(largestError(tile, good), 2)

        func refused(_ bytes: [UInt8], _ why: String) {
            XCTAssertThrowsError(try codec.decode(bytes[...], width: w, height: h, context: "tile (0, 0)"), why) {
                XCTAssertTrue($0 is ContainerError, "\(why): \($0)")
            }
        }
        // Tile_Data: count, reserved, 3 lengths, then the streams of R (one weight, from G), G, B (two).
        let lengths = (0..<3).map { k in (0..<4).reduce(0) { $0 | Int(payload[4 + 4 * k + $1]) << (8 * $1) } }
        let red = 16, blue = 16 + lengths[0] + lengths[1]
        var badWeight = payload
        badWeight[red] = 100
        refused(badWeight, "weight of 100 sixteenths")
        var forgedCount = payload
        forgedCount[blue + 2] &+= 1  // the first context count of B, after its two weights
        refused(forgedCount, "forged count")
        var empty = Array(payload[0..<16]) + Array(payload[(16 + lengths[0])...])
        empty[4] = 0  // R's stream is empty: no room for its weight
        empty[5] = 0
        empty[6] = 0
        empty[7] = 0
        refused(empty, "no weight")
        for i in stride(from: 16, to: payload.count, by: 3) {
            var damaged = payload
            damaged[i] ^= 0x5A
            // decode throws only ContainerError (typed throws): what matters is that it returns.
            _ = try? codec.decode(damaged[...], width: w, height: h, context: "tile (0, 0)")
        }
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
