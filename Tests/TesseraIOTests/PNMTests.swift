import Foundation
import TestSupport
import XCTest

@testable import TesseraIO

final class PNMTests: XCTestCase {
    /// Writes every pixel format as PNM and reads it back unchanged.
    func testRoundTripEveryFormat() throws {
        let dir = try ScratchDirectory()
        for model in PixelFormat.ColorModel.allCases {
            for depth in [1, 2, 4, 8, 16] where !(depth < 8 && model != .grey) {
                let format = PixelFormat(colorModel: model, bitDepth: depth)
                var image = PixelBuffer(width: 37, height: 11, format: format)
                for y in 0..<11 {
                    for x in 0..<37 {
                        for c in 0..<format.channels {
                            image.setSample(x: x, y: y, channel: c, (x * 7 + y * 13 + c * 29) % (format.maxValue + 1))
                        }
                    }
                }
                let path = dir.path("img-\(model)-\(depth).pnm")
                let sink = try PNMImageSink(path: path, info: ImageInfo(width: 37, height: 11, format: format))
                try sink.write(image.cropped(x: 0, y: 0, width: 37, height: 5))
                try sink.write(image.cropped(x: 0, y: 5, width: 37, height: 6))
                try sink.finish()

                let source = try ImageReader.open(path)
                XCTAssertEqual(source.info.format, format)
                var back = PixelBuffer(width: 37, height: 11, format: format)
                try source.forEachBand(rows: 4) { y, band in back.paste(band, x: 0, y: y) }
                XCTAssertEqual(back, image, "\(format)")
            }
        }
    }

    /// Any rectangle read directly equals the same crop of the image read in bands,
    /// for every byte-per-sample format (16-bit byte order and PAM black-and-white included).
    func testRegionsEqualCropsOfBands() throws {
        let dir = try ScratchDirectory()
        var rng = SystemRandomNumberGenerator()
        for model in PixelFormat.ColorModel.allCases {
            for depth in [1, 4, 8, 16] where !(depth < 8 && model != .grey) {
                let format = PixelFormat(colorModel: model, bitDepth: depth)
                var image = PixelBuffer(width: 53, height: 29, format: format)
                for y in 0..<29 {
                    for x in 0..<53 {
                        for c in 0..<format.channels {
                            image.setSample(x: x, y: y, channel: c, (x * 11 + y * 17 + c * 5) % (format.maxValue + 1))
                        }
                    }
                }
                let path = dir.path("r-\(model)-\(depth).pam")
                let sink = try PNMImageSink(path: path, info: ImageInfo(width: 53, height: 29, format: format))
                try sink.write(image)
                try sink.finish()
                let source = try XCTUnwrap(try ImageReader.open(path) as? PNMImageSource)
                // A P4 bitmap's rows are packed bits: it is read in bands only.
                XCTAssertEqual(source.readsRegions, !(depth == 1 && model == .grey), "\(format)")
                guard source.readsRegions else { continue }
                for _ in 0..<20 {
                    let w = Int.random(in: 1...53, using: &rng), h = Int.random(in: 1...29, using: &rng)
                    let x = Int.random(in: 0...(53 - w), using: &rng), y = Int.random(in: 0...(29 - h), using: &rng)
                    XCTAssertEqual(
                        try source.readRegion(x: x, y: y, width: w, height: h),
                        image.cropped(x: x, y: y, width: w, height: h), "\(format) \(x),\(y),\(w),\(h)")
                }
                XCTAssertThrowsError(try source.readRegion(x: 50, y: 0, width: 4, height: 1))
            }
        }
        // A region past the end of a truncated file is an error naming the row.
        let short = dir.path("short-region.pgm")
        try Data("P5\n4 4\n255\n".utf8 + [UInt8](repeating: 7, count: 10)).write(to: URL(fileURLWithPath: short))
        let source = try XCTUnwrap(try ImageReader.open(short) as? PNMImageSource)
        XCTAssertEqual(try source.readRegion(x: 1, y: 1, width: 2, height: 1).bytes, [7, 7])
        XCTAssertThrowsError(try source.readRegion(x: 0, y: 2, width: 4, height: 2)) { error in
            XCTAssertEqual(
                (error as? ImageIOError)?.description, "\(short): damaged file: pixel data ends early, at row 2 of 4")
        }
    }

    func testTruncatedPixelsAreReported() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("short.pgm")
        try Data("P5\n4 4\n255\n".utf8 + [1, 2, 3]).write(to: URL(fileURLWithPath: path))
        let source = try ImageReader.open(path)
        XCTAssertThrowsError(try source.readBand(maxRows: 4)) { error in
            XCTAssertEqual(
                (error as? ImageIOError)?.description, "\(path): damaged file: pixel data ends early, at row 0 of 4")
        }
    }

    /// A few bytes declaring a huge image are refused at open, before any buffer is made for it
    /// (the storage check), in one line naming the file.
    func testTinyFileDeclaringAHugeImageIsRefusedAtOpen() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("bomb.pgm")
        try Data("P5\n1000000 1000000\n255\n".utf8 + [UInt8](repeating: 0, count: 100)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ImageReader.open(path)) { error in
            XCTAssertEqual(
                (error as? ImageIOError)?.description,
                "\(path): damaged file: pixel data ends early: 1000000x1000000 needs 1000000000000 bytes, the file holds 100")
        }
    }

    func testAbortLeavesNothing() throws {
        let dir = try ScratchDirectory()
        let path = dir.path("gone.pgm")
        let sink = try PNMImageSink(path: path, info: ImageInfo(width: 2, height: 2, format: .grey8))
        try sink.write(PixelBuffer(width: 2, height: 1, format: .grey8))
        sink.abort()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }
}
