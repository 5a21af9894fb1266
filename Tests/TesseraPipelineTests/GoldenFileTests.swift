import Foundation
import TesseraFormat
import TesseraIO
import TestSupport
import XCTest

@testable import TesseraPipeline

/// Golden .tess files in fixtures/golden/ (see fixtures/README.md) decode to
/// the pixels recorded when they were made, so an accidental change of the
/// format or of the decoder fails here.
final class GoldenFileTests: XCTestCase {
    func testGoldenFilesDecodeToTheirRecordedPixels() throws {
        let table = try String(contentsOfFile: Fixtures.path("golden/golden.tsv"), encoding: .utf8)
        let rows = table.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(rows.count, 13)
        var formats: Set<String> = []
        var modes: Set<String> = []
        for row in rows {
            let name = row[0]
            let image = try TessImage(path: Fixtures.path("golden/\(name).tess"))
            XCTAssertEqual(image.header.width, Int(row[1]), name)
            XCTAssertEqual(image.header.height, Int(row[2]), name)
            formats.insert(image.header.format.description)
            modes.insert("\(image.header.codingMode) \(image.header.colorTransform)")
            XCTAssertTrue(image.verify().isWhole, name)
            let pixels = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
            let hash = SHA256()
            hash.update(pixels.bytes)
            XCTAssertEqual(hash.finalizeHex(), row[3], "\(name): decoded pixels changed")
            // The streamed decode (tiles entropy-decoded in parallel, pixels made a
            // strip at a time) gives the same bytes, with any thread count and strip size.
            for (threads, stripBytes) in [(1, 1 << 21), (3, 1), (2, 3 * pixels.width * pixels.format.bytesPerPixel)] {
                var info = image.info
                info.width = image.header.width
                info.height = image.header.height
                let sink = MemorySink(info: info)
                try image.decode(
                    into: sink, region: nil, threads: threads, stripBytes: stripBytes, wholeRegionBytes: 0, progress: nil)
                XCTAssertEqual(sink.rowsWritten, image.header.height, name)
                XCTAssertTrue(sink.image == pixels, "\(name): streamed decode, \(threads) threads, strips of \(stripBytes) bytes")
            }
        }
        XCTAssertEqual(formats, ["rgb 8-bit", "grey 8-bit", "grey 1-bit", "rgba 16-bit"])
        XCTAssertEqual(modes, [
            "vq none", "vq ycbcr", "vq ycbcr420", "residual none", "residual ycocgR", "transform none", "transform ycbcr420",
        ])
    }
}
