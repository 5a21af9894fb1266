import TestSupport
import XCTest

@testable import TesseraIO

/// Skipping rows and the band-subset view give exactly the rows a full read gives.
final class BandSubsetTests: XCTestCase {
    static func readAll(_ source: any ImageSource) throws -> PixelBuffer {
        var image = PixelBuffer(width: source.info.width, height: source.info.height, format: source.info.format)
        try source.forEachBand(rows: 50) { y, band in image.paste(band, x: 0, y: y) }
        return image
    }

    func testSubsetRowsMatchAFullRead() throws {
        try Corpus.require()
        // A striped G4 page, a tiled TIFF, a PNG (which must decode what it skips) and a PNM.
        let dir = try ScratchDirectory()
        let pnm = dir.path("k.ppm")
        try ImageWriter.convert(try ImageReader.open(Corpus.path("kodak/kodim19.png")), to: pnm)
        for path in [
            Corpus.path("documents/leptonica-feyn.tif"), Corpus.path("tiff-suite/pillow/tiff_tiled_raw.tif"),
            Corpus.path("kodak/kodim19.png"), pnm,
        ] {
            let full = try Self.readAll(try ImageReader.open(path))
            for (height, stride) in [(16, 3), (64, 2), (7, 5)] {
                let view = BandSubsetSource(try ImageReader.open(path), bandHeight: height, stride: stride)
                let subset = try Self.readAll(view)
                XCTAssertEqual(subset.height, view.info.height)
                for row in Swift.stride(from: 0, to: subset.height, by: 1) {
                    let a = subset.cropped(x: 0, y: row, width: subset.width, height: 1)
                    let b = full.cropped(x: 0, y: view.baseRow(row), width: full.width, height: 1)
                    guard a == b else { return XCTFail("\(path): row \(row) (base \(view.baseRow(row))) differs") }
                }
            }
        }
    }
}
