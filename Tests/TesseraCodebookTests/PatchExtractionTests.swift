import TestSupport
@testable import TesseraCodebook
import TesseraIO
import XCTest

final class PatchExtractionTests: XCTestCase {
    /// A 4×4 RGB 8-bit buffer whose sample at (x, y, c) is 100c + 10y + x.
    private func rgbBuffer() -> PixelBuffer {
        var b = PixelBuffer(width: 4, height: 4, format: .rgb8)
        for y in 0..<4 { for x in 0..<4 { for c in 0..<3 { b.setSample(x: x, y: y, channel: c, 100 * c + 10 * y + x) } } }
        return b
    }

    func testPerPlaneVectorsAreRowMajorPerPlane() throws {
        let layout = try PatchLayout(patchSize: 2, channelCount: 3, planeLayout: .perPlane)
        XCTAssertEqual(layout.dimensions, 4)
        XCTAssertEqual(layout.codebookCount, 3)
        let extractor = try PatchExtractor(layout: layout, format: .rgb8)
        let v = extractor.vectors(of: rgbBuffer(), x: 2, y: 1)
        XCTAssertEqual(v[0], [12, 13, 22, 23])
        XCTAssertEqual(v[1], [112, 113, 122, 123])
        XCTAssertEqual(v[2], [212, 213, 222, 223])
    }

    func testJointVectorsPutPlanesOneAfterAnother() throws {
        let layout = try PatchLayout(patchSize: 2, channelCount: 3, planeLayout: .joint)
        XCTAssertEqual(layout.dimensions, 12)
        XCTAssertEqual(layout.codebookCount, 1)
        let v = try PatchExtractor(layout: layout, format: .rgb8).vectors(of: rgbBuffer(), x: 0, y: 0)
        XCTAssertEqual(v, [[0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211]])
    }

    func testEdgesRepeatTheLastRowAndColumn() throws {
        let layout = try PatchLayout(patchSize: 2, channelCount: 3, planeLayout: .perPlane)
        let v = try PatchExtractor(layout: layout, format: .rgb8).vectors(of: rgbBuffer(), x: 3, y: 3)
        XCTAssertEqual(v[0], [33, 33, 33, 33])
    }

    func testDepthsMapToThe0To255Scale() throws {
        let layout = try PatchLayout(patchSize: 2, channelCount: 1, planeLayout: .perPlane)
        var wide = PixelBuffer(width: 2, height: 2, format: PixelFormat(colorModel: .grey, bitDepth: 16))
        for (i, v) in [0, 257, 65535, 32896].enumerated() { wide.setSample(x: i % 2, y: i / 2, channel: 0, v) }
        let w = try PatchExtractor(layout: layout, format: wide.format).vectors(of: wide, x: 0, y: 0)[0]
        XCTAssertEqual(w[0], 0)
        XCTAssertEqual(w[1], 1, accuracy: 1e-5)
        XCTAssertEqual(w[2], 255, accuracy: 1e-4)
        XCTAssertEqual(w[3], 128, accuracy: 1e-4)

        var bits = PixelBuffer(width: 2, height: 2, format: PixelFormat(colorModel: .grey, bitDepth: 1))
        bits.setSample(x: 1, y: 0, channel: 0, 1)
        let b = try PatchExtractor(layout: layout, format: bits.format).vectors(of: bits, x: 0, y: 0)[0]
        XCTAssertEqual(b, [0, 255, 0, 0])
    }

    func testLayoutRejectsImpossibleGeometry() {
        XCTAssertThrowsError(try PatchLayout(patchSize: 0, channelCount: 1, planeLayout: .perPlane))
        XCTAssertThrowsError(try PatchLayout(patchSize: 17, channelCount: 1, planeLayout: .perPlane))
        XCTAssertThrowsError(try PatchLayout(patchSize: 4, channelCount: 5, planeLayout: .joint))
        XCTAssertThrowsError(
            try PatchExtractor(layout: PatchLayout(patchSize: 4, channelCount: 1, planeLayout: .joint), format: .rgb8))
    }

    /// Bands of any height (readers may return fewer rows than asked) regroup into
    /// exact blocks of p rows, in order, with nothing lost or repeated.
    func testRowAssemblerRegroupsUnevenBands() {
        let rowBytes = 3
        let rows = 23
        let all = (0..<(rows * rowBytes)).map { UInt8($0) }
        var assembler = PatchRowAssembler(patchSize: 4, rowBytes: rowBytes)
        var blocks: [[UInt8]] = []
        var next = 0
        for height in [1, 5, 2, 7, 3, 5] {
            let band = Array(all[(next * rowBytes)..<((next + height) * rowBytes)])
            assembler.append(band, rows: height) { blocks.append(Array($0)) }
            next += height
        }
        XCTAssertEqual(next, rows)
        XCTAssertEqual(blocks.count, 5)
        for (i, block) in blocks.enumerated() {
            XCTAssertEqual(block, Array(all[(i * 4 * rowBytes)..<((i + 1) * 4 * rowBytes)]))
        }
    }

    /// A real colour photograph through the real PNG reader: per-plane vectors equal the
    /// image's own samples. Needs the PNG reader (passes once it is merged).
    func testRealColorPhotographPerPlane() throws {
        try Corpus.require()
        let path = Corpus.path("kodak/kodim23.png")
        let image = try ImageReader.open(path)
        let band = try XCTUnwrap(try image.readBand(maxRows: 8))
        let layout = try PatchLayout(patchSize: 8, channelCount: 3, planeLayout: .perPlane)
        let v = try PatchExtractor(layout: layout, format: band.format).vectors(of: band, x: 40, y: 0)
        for c in 0..<3 {
            for dy in 0..<8 {
                for dx in 0..<8 {
                    XCTAssertEqual(v[c][dy * 8 + dx], Float(band.sample(x: 40 + dx, y: dy, channel: c)))
                }
            }
        }
    }
}
