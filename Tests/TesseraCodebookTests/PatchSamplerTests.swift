import TestSupport
@testable import TesseraCodebook
import TesseraIO
import XCTest

final class PatchSamplerTests: XCTestCase {
    /// The fixture is a scanned page (top half: bright paper, dark ink) above a
    /// photograph (bottom half: mid greys). A sample drawn in one streaming pass
    /// must cover both halves, and every band of rows, in proportion.
    func testSampleCoversTheWholeImage() throws {
        let options = SamplingOptions(patchSize: 4, sampleCount: 1000, seed: 3, recordPositions: true)
        let sample = try PatchSampler.sample(paths: [RealPatches.mosaic], options: options)
        XCTAssertEqual(sample.count, 1000)
        let positions = try XCTUnwrap(sample.positions)
        let top = positions.filter { $0.y < 128 }.count
        XCTAssertEqual(top, 500, accuracy: 2, "stratified sampling splits the halves evenly")
        // Every eighth of the image's height gets its share (±2 for stratum boundaries).
        for band in 0..<8 {
            let inBand = positions.filter { $0.y / 32 == band }.count
            XCTAssertEqual(inBand, 125, accuracy: 2, "band \(band)")
        }
        // The halves differ, and the sample shows it: bright paper above, photo greys below (pixel means 227.9 and 128.7).
        let d = 16
        func meanValue(_ which: (PatchPosition) -> Bool) -> Double {
            var sum = 0.0, n = 0
            for (i, p) in positions.enumerated() where which(p) {
                for j in 0..<d { sum += Double(sample.values[i * d + j]) }
                n += d
            }
            return sum / Double(n)
        }
        XCTAssertEqual(meanValue { $0.y < 128 }, 227.9, accuracy: 8)
        XCTAssertEqual(meanValue { $0.y >= 128 }, 128.7, accuracy: 8)
    }

    /// Each sampled vector is exactly the image's pixels at its recorded position.
    func testVectorsMatchTheirPositions() throws {
        let options = SamplingOptions(patchSize: 8, sampleCount: 50, seed: 11, recordPositions: true)
        let sample = try PatchSampler.sample(paths: [RealPatches.mosaic], options: options)
        let image = try ImageReader.open(RealPatches.mosaic)
        let whole = try XCTUnwrap(try image.readBand(maxRows: 256))
        for (i, p) in try XCTUnwrap(sample.positions).enumerated() {
            XCTAssertEqual(p.x % 8, 0)
            XCTAssertEqual(p.y % 8, 0)
            for dy in 0..<8 {
                for dx in 0..<8 {
                    XCTAssertEqual(
                        sample.values[i * 64 + dy * 8 + dx], Float(whole.sample(x: p.x + dx, y: p.y + dy, channel: 0)))
                }
            }
        }
    }

    func testSameSeedSameSampleOtherSeedOtherSample() throws {
        func draw(_ seed: UInt64, bandBytes: Int) throws -> [Float] {
            let options = SamplingOptions(patchSize: 4, sampleCount: 400, seed: seed, bandBytes: bandBytes)
            return try PatchSampler.sample(paths: [RealPatches.mosaic], options: options).values
        }
        let a = try draw(5, bandBytes: 8 << 20)
        XCTAssertEqual(a, try draw(5, bandBytes: 192 * 4), "band size must not change the sample")
        XCTAssertNotEqual(a, try draw(6, bandBytes: 8 << 20))
    }

    func testAskingForMoreThanThereIsTakesEveryWholePatch() throws {
        // 192×256 with p = 3: 64 × 85 whole positions; the last row of pixels is never drawn from.
        let options = SamplingOptions(patchSize: 3, sampleCount: 1_000_000, seed: 1, recordPositions: true)
        let sample = try PatchSampler.sample(paths: [RealPatches.mosaic], options: options)
        XCTAssertEqual(sample.count, 64 * 85)
        XCTAssertEqual(Set(try XCTUnwrap(sample.positions)).count, 64 * 85)
        XCTAssertTrue(try XCTUnwrap(sample.positions).allSatisfy { $0.y + 3 <= 255 })
    }

    /// One codebook for a batch: each image's share follows its size, known from
    /// headers before any pixel is read.
    func testCollectionSharesFollowImageSizes() throws {
        let scratch = try ScratchDirectory()
        let image = try ImageReader.open(RealPatches.mosaic)
        let whole = try XCTUnwrap(try image.readBand(maxRows: 256))
        let small = scratch.path("top-quarter.pgm")
        let sink = try PNMImageSink(path: small, info: ImageInfo(width: 96, height: 128, format: .grey8))
        try sink.write(whole.cropped(x: 0, y: 0, width: 96, height: 128))
        try sink.finish()
        let options = SamplingOptions(patchSize: 4, sampleCount: 1000, seed: 2)
        let sample = try PatchSampler.sample(paths: [RealPatches.mosaic, small], options: options)
        XCTAssertEqual(sample.sources.map(\.positions), [3072, 768])
        XCTAssertEqual(sample.sources.map(\.sampled).reduce(0, +), 1000)
        XCTAssertEqual(sample.sources[0].sampled, 800, accuracy: 1)
        XCTAssertEqual(sample.sources[1].sampled, 200, accuracy: 1)
    }

    func testCollectionsMustAgreeOnPlanesAndImagesMustHoldAPatch() throws {
        let scratch = try ScratchDirectory()
        let tiny = scratch.path("tiny.pgm")
        let sink = try PNMImageSink(path: tiny, info: ImageInfo(width: 3, height: 9, format: .grey8))
        try sink.write(PixelBuffer(width: 3, height: 9, format: .grey8))
        try sink.finish()
        XCTAssertThrowsError(
            try PatchSampler.sample(paths: [RealPatches.mosaic, tiny], options: SamplingOptions(patchSize: 4))
        ) { error in
            XCTAssertEqual(error as? TrainingError, .imageTooSmall(path: tiny, width: 3, height: 9, patchSize: 4))
            XCTAssertTrue("\(error)".hasPrefix(tiny))
        }
        let rgb = scratch.path("rgb.ppm")
        let rgbSink = try PNMImageSink(path: rgb, info: ImageInfo(width: 8, height: 8, format: .rgb8))
        try rgbSink.write(PixelBuffer(width: 8, height: 8, format: .rgb8))
        try rgbSink.finish()
        XCTAssertThrowsError(
            try PatchSampler.sample(paths: [RealPatches.mosaic, rgb], options: SamplingOptions(patchSize: 4))
        ) { error in
            XCTAssertEqual(error as? TrainingError, .planeCountMismatch(path: rgb, found: 3, expected: 1))
        }
    }

    /// Real document scans through the real PNG and TIFF readers (passes once they are merged):
    /// a grey page and a colour page cannot share a codebook, two grey pages can.
    func testRealDocumentCollection() throws {
        try Corpus.require()
        let pages = ["documents/leptonica-lucasta.047.png", "documents/ocrd-kant_aufklaerung_1784-NRM_0017.png"]
            .map(Corpus.path)
        let options = SamplingOptions(patchSize: 4, sampleCount: 20_000, seed: 1)
        let sample = try PatchSampler.sample(paths: pages, options: options)
        XCTAssertEqual(sample.sources.map(\.positions), [266 * 469, 364 * 520])
        let expectedFirst = 20_000.0 * Double(266 * 469) / Double(266 * 469 + 364 * 520)
        XCTAssertEqual(Double(sample.sources[0].sampled), expectedFirst, accuracy: 1.5)
    }
}
