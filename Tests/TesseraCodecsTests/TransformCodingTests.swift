import Foundation
import TesseraCoding
import TestSupport
@testable import TesseraCodecs
import TesseraFormat
import TesseraIO
import XCTest

@testable import TesseraPipeline

/// Coding mode `transform` (--step): what the encoder measures is what a decoder makes, whole
/// or by region; the step controls quality and size; alpha stays exact; bad parameters and
/// damaged streams are refused; images it does not take are refused with a reason.
final class TransformCodingTests: XCTestCase {
    func compress(_ rel: String, step: Double, tile: Int = 256, threads: Int = 0, scratch: ScratchDirectory) throws
        -> (report: CompressReport, image: TessImage, original: PixelBuffer, decoded: PixelBuffer, bytes: Data?)
    {
        var options = CompressOptions()
        options.mode = try .transform(step: step)
        options.tileSize = tile
        options.threads = threads
        let out = scratch.path(UUID().uuidString + ".tess")
        let report = try Compressor.compress(input: Corpus.path(rel), output: out, options: options)
        let image = try TessImage(path: out)
        let decoded = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
        return (report, image, try ImageFiles.readAll(Corpus.path(rel)), decoded, FileManager.default.contents(atPath: out))
    }

    func testDecodesToWhatTheEncoderMeasuredWholeAndByRegion() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        // Colour (4:2:0, tiles that cut the image and its chroma), a grey page, RGBA, grey+alpha.
        let cases: [(String, Int, ImageHeader.ColorTransform)] = [
            ("kodak/kodim23.png", 208, .ycbcr420), ("documents/tesseract-hebtypo.png", 256, .none),
            ("pngsuite/basn6a08.png", 16, .ycbcr420), ("pngsuite/basn4a08.png", 16, .none),
        ]
        for (rel, tile, transform) in cases {
            let r = try compress(rel, step: 6, tile: tile, scratch: scratch)
            XCTAssertEqual(r.image.header.codingMode, .transform, rel)
            XCTAssertEqual(r.image.header.colorTransform, transform, rel)
            XCTAssertNotNil(r.image.reader.headerChunks[.transformParameters], rel)
            XCTAssertNil(r.image.reader.headerChunks[.packedCodebook], "\(rel): no codebook in this mode")
            XCTAssertNil(r.image.reader.headerChunks[.entropyModels], rel)
            XCTAssertEqual(samplePSNR(r.original, r.decoded), r.report.psnr, accuracy: 0.005, rel)
            XCTAssertGreaterThan(r.report.psnr, 38, "\(rel) at step 6")
            if r.original.format.colorModel.hasAlpha {
                let c = r.original.format.channels
                for i in 0..<(r.original.width * r.original.height) where r.original.bytes[i * c + c - 1] != r.decoded.bytes[i * c + c - 1] {
                    XCTFail("\(rel): alpha of pixel \(i) changed")
                    break
                }
            }
            let w = r.original.width, h = r.original.height
            for (x0, y0, rw, rh) in [(w / 3 + 1, h / 3 + 1, w / 2, h / 3), (0, 0, 1, 1), (w - 1, h - 5, 1, 5)] {
                let part = try r.image.region(x: x0, y: y0, width: rw, height: rh)
                var differing = 0
                for y in 0..<rh {
                    for x in 0..<rw {
                        for c in 0..<r.original.format.channels
                        where part.sample(x: x, y: y, channel: c) != r.decoded.sample(x: x0 + x, y: y0 + y, channel: c) {
                            differing += 1
                        }
                    }
                }
                XCTAssertEqual(differing, 0, "\(rel) region \(x0),\(y0) \(rw)x\(rh)")
            }
        }
    }

    /// A smaller step gives a larger file and a higher PSNR, on a photograph and on a page;
    /// and kodim23 stays where it was measured (step 8: 0.90 bits per pixel, 39.6 dB).
    func testStepControlsRateAndQuality() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        for rel in ["kodak/kodim19.png", "documents/ocrd-DIBCO11-PR4.png"] {
            var last: CompressReport?
            for step in [24.0, 8, 2.5] {
                let r = try compress(rel, step: step, scratch: scratch).report
                if let last {
                    XCTAssertGreaterThan(r.outputBytes, last.outputBytes, "\(rel) step \(step)")
                    XCTAssertGreaterThan(r.psnr, last.psnr + 2, "\(rel) step \(step)")
                }
                last = r
            }
        }
        let k23 = try compress("kodak/kodim23.png", step: 8, scratch: scratch).report
        XCTAssertLessThan(k23.bitsPerPixel, 1.0)
        XCTAssertGreaterThan(k23.psnr, 39.0)
    }

    func testThreadCountDoesNotChangeTheFile() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let one = try compress("kodak/kodim03.png", step: 5, threads: 1, scratch: scratch)
        let two = try compress("kodak/kodim03.png", step: 5, threads: 2, scratch: scratch)
        XCTAssertNotNil(one.bytes)
        XCTAssertEqual(one.bytes, two.bytes)
    }

    func testImagesItDoesNotTakeAreRefusedWithAReason() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        for rel in ["pngsuite/basn0g16.png", "documents/leptonica-pageseg2.tif"] {
            XCTAssertThrowsError(try compress(rel, step: 8, scratch: scratch)) { error in
                XCTAssertTrue("\(error)".contains("8-bit"), "\(rel): \(error)")
                XCTAssertTrue("\(error)".contains(rel.split(separator: "/").last!), "\(rel): \(error)")
            }
        }
    }

    func testBadParametersAreRefused() throws {
        let good = TransformParameters(steps: [8, 5.2, 5.2], bias: 0)
        XCTAssertEqual(try TransformParameters(decoding: good.encoded(), planeCount: 3), good)
        XCTAssertEqual(good.steps[1], 5.1875, "steps are kept in sixteenths")
        func refused(_ bytes: [UInt8], planes: Int = 3, _ why: String) {
            XCTAssertThrowsError(try TransformParameters(decoding: bytes, planeCount: planes), why) {
                XCTAssertTrue("\($0)".contains("TPAR"), "\(why): \($0)")
            }
        }
        var b = good.encoded()
        b[0] = 2
        refused(b, "version 2")
        b = good.encoded()
        b[1] = 4
        refused(b, "4x4 blocks")
        refused(good.encoded(), planes: 1, "three steps for one plane")
        b = good.encoded()
        b[3] = 40
        refused(b, "bias 40")
        b = good.encoded()
        b[4] = 0
        b[5] = 0
        refused(b, "step 0")
        refused(good.encoded().dropLast(), "cut short")
    }

    /// A stream cut short or with forged bytes is refused (or decodes to something) without
    /// reading out of bounds; only ContainerError comes out.
    func testDamagedCoefficientStreamsAreRefused() throws {
        try Corpus.require()
        let tile = try kodimTile()
        let w = tile.width, h = tile.height
        let header = ImageHeader(
            width: w, height: h, format: tile.format, tileWidth: w, tileHeight: h, patchSize: 8,
            codingMode: .transform, colorTransform: .ycbcr420, planeCount: 3)
        let codec = TransformCodec(header: header, parameters: TransformParameters(steps: [4, 2.6, 2.6], bias: 0))
        let encoded = try codec.encode(tile)
        let good = try codec.decode(encoded.payload[...], width: w, height: h, context: "tile (0, 0)").pixels()
        XCTAssertEqual(samplePSNR(tile, good), 10 * log10(255 * 255 / (encoded.squaredError.reduce(0, +) / Double(w * h * 3))), accuracy: 0.001)
        let payload = encoded.payload
        let lumaLength = (0..<4).reduce(0) { $0 | Int(payload[4 + $1]) << (8 * $1) }
        // Luma's stream one byte short (the lengths still add up): refused.
        var cut = payload
        cut.remove(at: 16 + lumaLength - 1)
        cut[4] = UInt8(truncatingIfNeeded: lumaLength - 1)
        cut[5] = UInt8(truncatingIfNeeded: (lumaLength - 1) >> 8)
        XCTAssertThrowsError(try codec.decode(cut[...], width: w, height: h, context: "tile (0, 0)")) {
            XCTAssertTrue("\($0)".contains("tile (0, 0)"), "\($0)")
        }
        for i in stride(from: 16, to: payload.count, by: 5) {
            var damaged = payload
            damaged[i] ^= 0x5A
            _ = try? codec.decode(damaged[...], width: w, height: h, context: "tile (0, 0)")
        }
    }

    /// A stream whose DC values run away (a forged stream: 8-bit blocks stay far below) is
    /// refused instead of overflowing; the same syntax with sane values reads back exactly.
    func testRunawayDCIsRefused() throws {
        let coder = TransformPlaneCoder(step: 1, biasSixtyFourths: 0)
        for (dc, readable) in [(Int32(1000), true), (70_000, false)] {
            var q = [Int32](repeating: 0, count: 2 * 64)
            q[0] = dc
            q[64] = -dc
            q[65] = 3
            var encoder = BinaryRangeEncoder()
            var model = CoefficientModel()
            _ = q.withUnsafeMutableBufferPointer { model.code(&encoder, $0.baseAddress!, columns: 2, rows: 1) }
            let bytes = encoder.finish()
            if readable {
                var back = [Int32](repeating: 0, count: 2 * 64)
                var decoder = CoefficientModel()
                let ok = bytes.withUnsafeBytes { raw in
                    var d = BinaryRangeDecoder(raw)
                    return back.withUnsafeMutableBufferPointer { decoder.code(&d, $0.baseAddress!, columns: 2, rows: 1) }
                        && d.isConsistent
                }
                XCTAssertTrue(ok)
                XCTAssertEqual(back, q)
            } else {
                XCTAssertThrowsError(try coder.decode(bytes[...], width: 16, height: 8, context: "tile (0, 0)")) {
                    XCTAssertTrue("\($0)".contains("does not decode"), "\($0)")
                }
            }
        }
    }
}
