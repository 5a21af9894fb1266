import Foundation
import TestSupport
import TesseraCodebook
import TesseraFormat
import TesseraIO
import TesseraPipeline
import TesseraSupport
import XCTest

/// Tile_Data damaged in ways a CRC would not catch (the CRC recomputed): random byte changes,
/// runs of zeros or 0xFF, truncations and extensions, in every tile of every golden file. Each
/// tile either decodes to a tile of its size or gives a `TessFileError` naming the file and
/// the tile; the other tiles still decode. Seeded, so a failure is reproducible.
final class CraftedTileTests: XCTestCase {
    func testDamagedTileDataNeverCrashes() throws {
        var generator = SplitMix64(seed: 0x7E55_E4A)
        var runs = 0, refused = 0
        for name in CraftedHeaderTests.files {
            let file = try GoldenFile(name: name)
            for (index, tile) in file.tiles.enumerated() {
                // Tile_Data starts after Tile_Column and Tile_Row.
                let dataLength = tile.length - 8
                guard dataLength > 0 else { continue }
                for trial in 0..<24 {
                    let crafted = file.modified(tile) { payload in
                        let n = payload.count - 8
                        switch trial % 4 {
                        case 0:  // a few random bytes
                            for _ in 0...(generator.next() % 4) {
                                payload[8 + Int(generator.next() % UInt64(n))] = UInt8(truncatingIfNeeded: generator.next())
                            }
                        case 1:  // a run of one value
                            let start = 8 + Int(generator.next() % UInt64(n))
                            let end = min(payload.count, start + 1 + Int(generator.next() % 64))
                            let v: UInt8 = generator.next() % 2 == 0 ? 0 : 0xFF
                            for i in start..<end { payload[i] = v }
                        case 2:  // stream lengths and the first bytes of the streams
                            let i = 8 + Int(generator.next() % UInt64(min(n, 24)))
                            payload[i] ^= UInt8(1 << (generator.next() % 8))
                        default:  // the data cut short (the chunk stays the same length: zeros at the end)
                            let keep = 8 + Int(generator.next() % UInt64(n))
                            for i in keep..<payload.count { payload[i] = 0 }
                        }
                    }
                    runs += 1
                    let image = try TessImage(source: MemorySource(crafted), path: "crafted.tess")
                    let column = index % image.header.tileColumns, row = index / image.header.tileColumns
                    let rect = image.header.tileRect(column: column, row: row)
                    do {
                        let pixels = try image.tile(column: column, row: row)
                        XCTAssertEqual(pixels.width, rect.width, "\(name) tile \(index) trial \(trial)")
                        XCTAssertEqual(pixels.height, rect.height, "\(name) tile \(index) trial \(trial)")
                        XCTAssertEqual(pixels.bytes.count, rect.width * rect.height * image.header.format.bytesPerPixel)
                        if image.header.format.bitDepth < 8 {
                            XCTAssertTrue(pixels.bytes.allSatisfy { Int($0) <= image.header.format.maxValue }, "\(name)")
                        }
                    } catch let e as TessFileError {
                        refused += 1
                        XCTAssertEqual(e.path, "crafted.tess")
                        XCTAssertTrue(e.description.contains("tile (\(column), \(row))"), "\(name): \(e)")
                    }
                    // A region over the damaged tile and its neighbours fails or succeeds whole.
                    _ = try? image.region(x: 0, y: 0, width: image.header.width, height: image.header.height, threads: 1)
                }
            }
        }
        XCTAssertGreaterThan(refused, runs / 10)
        print("damaged tiles: \(runs) crafted, \(refused) refused, the rest decoded to a tile of the right size")
    }
}
