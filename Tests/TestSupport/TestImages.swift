import Foundation
import TesseraIO
import XCTest

/// PSNR over every sample of two 8-bit images, computed here from the bytes (independently of
/// the encoder's own measurement).
public func samplePSNR(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
    XCTAssertEqual(a.bytes.count, b.bytes.count)
    var s = 0.0
    for i in 0..<min(a.bytes.count, b.bytes.count) {
        let d = Double(Int(a.bytes[i]) - Int(b.bytes[i]))
        s += d * d
    }
    return 10 * log10(255 * 255 / (s / Double(a.bytes.count)))
}

/// A real 64×48 RGB tile: kodim23 from (300, 200).
public func kodimTile() throws -> PixelBuffer {
    let image = try ImageFiles.readAll(Corpus.path("kodak/kodim23.png"))
    let w = 64, h = 48
    var tile = PixelBuffer(width: w, height: h, format: image.format)
    for y in 0..<h {
        for x in 0..<(w * 3) { tile.bytes[y * w * 3 + x] = image.bytes[(y + 200) * image.width * 3 + 300 * 3 + x] }
    }
    return tile
}
