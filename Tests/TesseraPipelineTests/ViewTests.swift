import Foundation
import TestSupport
import TesseraFormat
import TesseraIO
import TesseraSupport
import XCTest

@testable import TesseraPipeline

/// Reduced views (`TessImage.view`): every output pixel is the area-weighted mean of the
/// level pixels under it, each level pixel the rounded mean of its 2^k block; checked against
/// a separate computation from the full decode, on the golden files of every format.
final class ViewTests: XCTestCase {
    func level(_ image: PixelBuffer, k: Int) -> (width: Int, height: Int, values: [Int]) {
        LevelReference.level(image, k: k)
    }

    func reference(_ full: PixelBuffer, x: Int, y: Int, w: Int, h: Int, ow: Int, oh: Int, k: Int) -> [Int] {
        LevelReference.filter(
            level(full, k: k), k: k, channels: full.format.channels, x: x, y: y, w: w, h: h, ow: ow, oh: oh)
    }

    func testViewsMatchTheirDefinitionOnEveryFormat() throws {
        let cases: [(String, [(x: Int, y: Int, w: Int, h: Int, ow: Int, oh: Int)])] = [
            ("kodim23-rgb8", [(0, 0, 203, 137, 101, 68), (17, 9, 150, 100, 37, 25), (0, 0, 203, 137, 12, 8), (3, 5, 64, 64, 64, 64)]),
            ("hebtypo-grey8", [(0, 0, 301, 253, 150, 126), (11, 7, 290, 240, 17, 33), (100, 100, 201, 153, 200, 150)]),
            ("pageseg2-grey1", [(0, 0, 257, 201, 128, 100), (1, 1, 255, 199, 9, 7), (0, 0, 257, 201, 257, 201)]),
            ("basn6a16-rgba16", [(0, 0, 32, 32, 16, 16), (3, 2, 29, 27, 5, 11)]),
            ("kodim23-rgb8-dct", [(0, 0, 203, 137, 50, 34)]),
            ("kodim23-rgb8-lossless", [(1, 0, 202, 137, 7, 5)]),
        ]
        for (name, views) in cases {
            let image = try TessImage(path: Fixtures.path("golden/\(name).tess"))
            let full = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
            for v in views {
                let view = try image.view(x: v.x, y: v.y, width: v.w, height: v.h, outputWidth: v.ow, outputHeight: v.oh)
                XCTAssertEqual(view.width, v.ow)
                XCTAssertEqual(view.height, v.oh)
                XCTAssertEqual(view.format, ViewGeometry.outputFormat(image.header.format), name)
                // The coarsest level at least as fine as the output, among the image's levels.
                var k = 0
                while k < image.levels.count - 1, v.ow << (k + 1) <= v.w, v.oh << (k + 1) <= v.h { k += 1 }
                let expected = reference(full, x: v.x, y: v.y, w: v.w, h: v.h, ow: v.ow, oh: v.oh, k: k)
                var got: [Int] = []
                for py in 0..<v.oh {
                    for px in 0..<v.ow {
                        for c in 0..<view.format.channels { got.append(view.sample(x: px, y: py, channel: c)) }
                    }
                }
                XCTAssertEqual(got, expected, "\(name) \(v)")
            }
        }
    }

    /// Level 0 at full size is the region itself; half size of an 8-bit image is its 2×2 means.
    func testFullSizeIsTheRegionAndHalfSizeIsTheBlockMeans() throws {
        let image = try TessImage(path: Fixtures.path("golden/hebtypo-grey8.tess"))
        let region = try image.region(x: 10, y: 20, width: 200, height: 180)
        XCTAssertEqual(try image.view(x: 10, y: 20, width: 200, height: 180, outputWidth: 200, outputHeight: 180), region)
        let half = try image.view(x: 10, y: 20, width: 200, height: 180, outputWidth: 100, outputHeight: 90)
        for (x, y) in [(0, 0), (50, 40), (99, 89), (13, 77)] {
            var sum = 0
            for dy in 0..<2 { for dx in 0..<2 { sum += region.sample(x: 2 * x + dx, y: 2 * y + dy, channel: 0) } }
            XCTAssertEqual(half.sample(x: x, y: y, channel: 0), Int((Double(sum) / 4).rounded()), "(\(x), \(y))")
        }
    }

    /// A 1-bit page gives a grey view whose greys are the share of white under each pixel.
    func testBilevelViewsAreGrey() throws {
        let image = try TessImage(path: Fixtures.path("golden/pageseg2-grey1-lossless.tess"))
        let view = try image.view(x: 0, y: 0, width: 256, height: 200, outputWidth: 64, outputHeight: 50)
        XCTAssertEqual(view.format, PixelFormat(colorModel: .grey, bitDepth: 8))
        let values = Set(view.bytes)
        XCTAssertGreaterThan(values.count, 8, "a 1/4 view of text has greys, not only black and white")
    }

    func testBadViewsAreRefused() throws {
        let image = try TessImage(path: Fixtures.path("golden/kodim23-rgb8.tess"))
        for (x, y, w, h, ow, oh) in [
            (0, 0, 203, 137, 204, 100), (0, 0, 100, 100, 0, 10), (0, 0, 204, 137, 10, 10), (-1, 0, 10, 10, 5, 5),
            (0, 0, 100, 100, 100, 101),
        ] {
            XCTAssertThrowsError(try image.view(x: x, y: y, width: w, height: h, outputWidth: ow, outputHeight: oh)) {
                XCTAssertTrue($0 is TessFileError, "\($0)")
                XCTAssertTrue("\($0)".contains("kodim23-rgb8.tess"), "\($0)")
            }
        }
    }

    /// One TessImage serves many threads at once (a tile server's readers).
    func testConcurrentViewsAgree() throws {
        let image = try TessImage(path: Fixtures.path("golden/kodim23-rgb8-ycbcr420.tess"))
        let expected = try image.view(x: 5, y: 5, width: 190, height: 120, outputWidth: 47, outputHeight: 30, threads: 1)
        let results = Parallel.map(count: 16, threads: 16) { _ in
            try? image.view(x: 5, y: 5, width: 190, height: 120, outputWidth: 47, outputHeight: 30, threads: 2)
        }
        for i in 0..<16 { XCTAssertEqual(results[i], expected, "reader \(i)") }
    }

    func testLevelsGoDownToOneTile() throws {
        let image = try TessImage(path: Fixtures.path("golden/hebtypo-grey8.tess"))  // 301x253, 128² tiles
        XCTAssertEqual(
            image.levels.map { [$0.level, $0.width, $0.height] }, [[0, 301, 253], [1, 151, 127], [2, 76, 64]])
    }
}
