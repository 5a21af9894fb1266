import Foundation
import TestSupport
import XCTest

@testable import TesseraIO

/// Helpers shared by the TIFF tests.
enum TIFFTestSupport {
    /// Reads a whole image through `source`, in bands of `bandRows`, and pastes it together.
    static func readAll(_ source: any ImageSource, bandRows: Int = 64) throws -> PixelBuffer {
        var image = PixelBuffer(width: source.info.width, height: source.info.height, format: source.info.format)
        var expectedY = 0
        try source.forEachBand(rows: bandRows) { y, band in
            XCTAssertEqual(y, expectedY, "bands come in raster order")
            XCTAssertLessThanOrEqual(band.height, bandRows)
            image.paste(band, x: 0, y: y)
            expectedY = y + band.height
        }
        XCTAssertEqual(expectedY, source.info.height)
        XCTAssertNil(try source.readBand(maxRows: 1), "nothing after the last row")
        return image
    }

    static func readAll(corpus relative: String, page: Int = 0, bandRows: Int = 64) throws -> PixelBuffer {
        try readAll(TIFFImageSource(path: Corpus.path(relative), options: ReadOptions(page: page)), bandRows: bandRows)
    }

    /// Writes `image` through a `TIFFImageSink` in bands of the given heights (cycled).
    static func write(
        _ image: PixelBuffer, to path: String, metadata: ImageMetadata = .init(), options: WriteOptions = .init(),
        bandHeights: [Int] = [7, 1, 64]
    ) throws {
        let info = ImageInfo(width: image.width, height: image.height, format: image.format, metadata: metadata)
        let sink = try TIFFImageSink(path: path, info: info, options: options)
        var y = 0
        var k = 0
        while y < image.height {
            let rows = min(bandHeights[k % bandHeights.count], image.height - y)
            try sink.write(image.cropped(x: 0, y: y, width: image.width, height: rows))
            y += rows
            k += 1
        }
        try sink.finish()
    }
}
