import Foundation
import TesseraCodebook
import TestSupport
@testable import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraSupport
import XCTest

@testable import TesseraPipeline

/// Lossy colour as Y, Cb, Cr (colour transform 2) and packed codebooks (CBKP): what is
/// measured while encoding is what a decoder makes, colour pages get smaller, codebooks
/// record the planes they were trained on, and damage is refused.
final class ColorVQTests: XCTestCase {
    func compress(_ rel: String, _ configure: (inout CompressOptions) throws -> Void = { _ in }, scratch: ScratchDirectory)
        throws -> (report: CompressReport, image: TessImage, bytes: Int)
    {
        var options = CompressOptions()
        options.mode = .vq(try VQOptions(samples: 20_000))
        try configure(&options)
        let out = scratch.path(UUID().uuidString + ".tess")
        let report = try Compressor.compress(input: Corpus.path(rel), output: out, options: options)
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int ?? 0
        return (report, try TessImage(path: out), size)
    }

    /// The default for 8-bit colour: YCbCr 4:2:0 and a packed codebook (and 4:4:4 when asked);
    /// the PSNR the encoder reports is that of the decoded image, whole or by region.
    func testColorIsCodedAsYCbCrAndDecodesToWhatTheEncoderMeasured() throws {
        for color in [LossyColor.ycbcr420, .ycbcr] { try checkYCbCr(color) }
    }

    func checkYCbCr(_ color: LossyColor) throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let rel = "kodak/kodim23.png"
        // 200-pixel tiles: odd chroma sizes are not needed, but the image's 768 = 3·200 + 168.
        let r = try compress(
            rel,
            {
                $0.tileSize = 208
                if color != CompressOptions().color { $0.color = color }
            }, scratch: scratch)
        XCTAssertEqual(r.image.header.colorTransform, color == .ycbcr420 ? .ycbcr420 : .ycbcr)
        XCTAssertNotNil(r.image.reader.headerChunks[.packedCodebook])
        XCTAssertNil(r.image.reader.headerChunks[.codebook])
        XCTAssertEqual(r.image.summary.vq?.codewordCounts, [256, 32, 32], "chroma gets K/8")
        let original = try ImageFiles.readAll(Corpus.path(rel))
        let decoded = try r.image.region(x: 0, y: 0, width: original.width, height: original.height)
        XCTAssertEqual(samplePSNR(original, decoded), r.report.psnr, accuracy: 0.005)
        XCTAssertGreaterThan(r.report.psnr, 30, "K = 256 on kodim23")
        // Regions across tile edges, starting and ending on odd pixels, equal the same part of
        // the whole decode (4:2:0 interpolates chroma from samples outside the region).
        for (x0, y0, w, h) in [(101, 91, 150, 77), (0, 0, 1, 1), (207, 207, 3, 3), (767, 500, 1, 12)] {
            let part = try r.image.region(x: x0, y: y0, width: w, height: h)
            var differing = 0
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3
                    where part.sample(x: x, y: y, channel: c) != decoded.sample(x: x0 + x, y: y0 + y, channel: c) {
                        differing += 1
                    }
                }
            }
            XCTAssertEqual(differing, 0, "\(color) region \(x0),\(y0) \(w)x\(h)")
        }
    }

    /// On a colour page, coding Y, Cb, Cr costs far fewer bits than R, G, B at the same PSNR
    /// (measured: ocrd-DIBCO11-PR6 1.42 → 0.49 bits per pixel at 32.98 dB).
    func testYCbCrPaysOnAColorPage() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let rel = "documents/ocrd-DIBCO11-PR6.png"
        let ycbcr = try compress(rel, scratch: scratch)
        let rgb = try compress(rel, { $0.color = .rgb }, scratch: scratch)
        XCTAssertEqual(rgb.image.header.colorTransform, ImageHeader.ColorTransform.none)
        XCTAssertLessThan(Double(ycbcr.bytes), 0.7 * Double(rgb.bytes))
        XCTAssertGreaterThan(ycbcr.report.psnr, rgb.report.psnr - 0.3)
    }

    /// Entropy-constrained assignment (the default rate weight) buys bits on a grey page for
    /// almost no PSNR (measured: K = 1024, 0.256 → 0.231 bits per pixel, 31.45 → 31.38 dB), and
    /// the PSNR reported is still that of the decoded image.
    func testEntropyConstrainedAssignmentPaysOnAPage() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let rel = "documents/leptonica-lucasta.047.png"
        let plain = try compress(rel, { $0.mode = .vq(try VQOptions(codewords: 1024, samples: 20_000, rateWeight: 0)) }, scratch: scratch)
        let ecvq = try compress(rel, { $0.mode = .vq(try VQOptions(codewords: 1024, samples: 20_000)) }, scratch: scratch)
        XCTAssertEqual(CompressOptions().vq?.rateWeight, 0.15)
        XCTAssertLessThan(Double(ecvq.bytes), 0.95 * Double(plain.bytes))
        XCTAssertGreaterThan(ecvq.report.psnr, plain.report.psnr - 0.25)
        let original = try ImageFiles.readAll(Corpus.path(rel))
        let decoded = try ecvq.image.region(x: 0, y: 0, width: original.width, height: original.height)
        XCTAssertEqual(samplePSNR(original, decoded), ecvq.report.psnr, accuracy: 0.005)
    }

    /// Grey fixed points of the transform: R = G = B survives exactly; any colour within ±2.
    func testTransformKeepsGreyExactAndColorClose() {
        for v in 0...255 {
            let (y, cb, cr) = YCbCr.forward(r: v, g: v, b: v)
            XCTAssertEqual([Int(y), Int(cb), Int(cr)], [v, 128, 128])
            let (r, g, b) = YCbCr.inverse(y: Int(y), cb: Int(cb), cr: Int(cr))
            XCTAssertEqual([Int(r), Int(g), Int(b)], [v, v, v])
        }
        var worst = 0
        for r in stride(from: 0, through: 255, by: 5) {
            for g in stride(from: 0, through: 255, by: 5) {
                for b in stride(from: 0, through: 255, by: 5) {
                    let (y, cb, cr) = YCbCr.forward(r: r, g: g, b: b)
                    let (r2, g2, b2) = YCbCr.inverse(y: Int(y), cb: Int(cb), cr: Int(cr))
                    worst = max(worst, abs(Int(r2) - r), abs(Int(g2) - g), abs(Int(b2) - b))
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 2)
        // The table-driven inverse over rows gives exactly the formula's bytes, for every Cb, Cr.
        var row = [UInt8]()
        for cb in 0...255 {
            for cr in stride(from: 0, through: 255, by: 3) { row += [UInt8((cb * 7 + cr) % 256), UInt8(cb), UInt8(cr), 9] }
        }
        var converted = row
        converted.withUnsafeMutableBytes {
            YCbCr.inverse($0.baseAddress!, columns: row.count / 4, rows: 1, rowBytes: row.count, channels: 4)
        }
        for i in stride(from: 0, to: row.count, by: 4) {
            let (r, g, b) = YCbCr.inverse(y: Int(row[i]), cb: Int(row[i + 1]), cr: Int(row[i + 2]))
            XCTAssertEqual([converted[i], converted[i + 1], converted[i + 2], converted[i + 3]], [r, g, b, 9])
        }
    }

    /// A packed codebook holds the trained codewords rounded, sorted, and decodes to exactly them.
    func testPackedCodebookRoundTripsAndRefusesDamage() throws {
        try Corpus.require()
        let sample = try PatchSampler.sample(
            paths: [Corpus.path("kodak/kodim05.png")],
            options: SamplingOptions(patchSize: 4, planeLayout: .perPlane, sampleCount: 5_000, seed: 3))
        let codebook = try CodebookTrainer.train(
            sample: sample, method: .kmeans(KMeansParameters(codewordCount: 64, maxIterations: 5, seed: 3))
        ).codebook
        let packed = PackedCodebook(rounding: codebook)
        for (plane, values) in packed.planes.enumerated() {
            let expected = codebook.planes[plane].codewords.map { min(max($0.rounded(), 0), 255) }
            // The same codewords, in another order.
            let asRows = { (v: [Float]) in stride(from: 0, to: v.count, by: 16).map { Array(v[$0..<($0 + 16)]) } }
            XCTAssertEqual(
                asRows(values).sorted { $0.lexicographicallyPrecedes($1) },
                asRows(expected).sorted { $0.lexicographicallyPrecedes($1) })
        }
        let bytes = try packed.encoded()
        XCTAssertEqual(try PackedCodebook(decoding: bytes), packed)
        XCTAssertLessThan(bytes.count, CodebookFile.serialize(codebook).count / 4, "packed is far smaller")
        // Cut, extended, wrong version, corrupted stream: each a ContainerError, never a crash.
        var damaged: [[UInt8]] = [Array(bytes.dropLast(3)), bytes + [0], [2] + bytes.dropFirst()]
        for i in stride(from: 12, to: bytes.count, by: max(1, bytes.count / 40)) {
            var b = bytes
            b[i] ^= 0x5A
            damaged.append(b)
        }
        // The initialiser throws only ContainerError (typed throws), so a refusal is one.
        func refused(_ b: [UInt8]) -> Bool {
            guard let decoded = try? PackedCodebook(decoding: b) else { return true }
            // A flipped bit inside a stream may still decode; then every value is in range.
            XCTAssertTrue(decoded.planes.allSatisfy { $0.allSatisfy { (0...255).contains($0) } })
            return false
        }
        XCTAssertTrue(damaged.prefix(3).allSatisfy(refused), "cut, extended, wrong version")
        XCTAssertGreaterThan(damaged.filter(refused).count, 3)
    }

    /// A .tcb records YCbCr training (version 2, Flags bit 0); compress follows a given
    /// codebook's planes, and a codebook for the wrong planes is refused with a clear message.
    func testCodebooksRecordTheirPlanes() throws {
        try Corpus.require()
        let scratch = try ScratchDirectory()
        let rgbImage = Corpus.path("kodak/kodim23.png")
        for color in [LossyColor.ycbcr, .rgb] {
            let open = { (path: String) throws -> any ImageSource in
                let s = try ImageReader.open(path)
                return color == .ycbcr ? YCbCrSource(s) : s
            }
            let sample = try PatchSampler.sample(
                paths: [rgbImage], options: SamplingOptions(patchSize: 4, planeLayout: .perPlane, sampleCount: 4_000),
                open: open)
            var codebook = try CodebookTrainer.train(
                sample: sample, method: .kmeans(KMeansParameters(codewordCount: 32, maxIterations: 4, seed: 1))
            ).codebook
            codebook.colorSpace = color == .ycbcr ? .ycbcr : .channels
            let tcb = scratch.path("\(color).tcb")
            try CodebookFile.write(codebook, to: tcb)
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: tcb))
            XCTAssertEqual(bytes[8], color == .ycbcr ? 2 : 1, "Format_Version")
            XCTAssertEqual(try CodebookFile.read(path: tcb).colorSpace, codebook.colorSpace)
            // Given, the codebook decides (even against the option), and is embedded as it is.
            let r = try compress(
                "kodak/kodim23.png",
                {
                    $0.mode = .vq(try XCTUnwrap($0.vq).updating(codebookPath: tcb))
                    $0.color = color == .ycbcr ? .rgb : .ycbcr
                }, scratch: scratch)
            XCTAssertEqual(r.image.header.colorTransform, color == .ycbcr ? .ycbcr : ImageHeader.ColorTransform.none)
            XCTAssertEqual(r.image.reader.headerChunks[.codebook].map { Data($0) }, bytes)
            XCTAssertGreaterThan(r.report.psnr, 25)
        }
        // A YCbCr codebook cannot code 16-bit colour (YCbCr is for 8-bit), nor a grey image.
        for rel in ["pngsuite/basn2c16.png", "documents/tesseract-hebtypo.png"] {
            XCTAssertThrowsError(
                try compress(rel, { $0.mode = .vq(try XCTUnwrap($0.vq).updating(codebookPath: scratch.path("ycbcr.tcb"))) }, scratch: scratch)
            ) { error in
                XCTAssertTrue("\(error)".contains("the codebook was trained for other images"), "\(error)")
                if rel.contains("2c16") { XCTAssertTrue("\(error)".contains("YCbCr"), "\(error)") }
            }
        }
        // Version 1 with the flag set is damage, not a YCbCr codebook.
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: scratch.path("ycbcr.tcb")))
        bytes[8] = 1
        let crc = CRC32C.checksum([UInt8](bytes.dropLast(4)))
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        XCTAssertThrowsError(try CodebookFile.parse([UInt8](bytes), source: "v1.tcb")) { error in
            XCTAssertTrue("\(error)".contains("Flags"), "\(error)")
        }
    }
}
