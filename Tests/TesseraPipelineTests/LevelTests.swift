import Foundation
import TestSupport
import TesseraFormat
import TesseraIO
import TesseraSupport
import XCTest

@testable import TesseraCodecs
@testable import TesseraPipeline

/// Stored resolution levels (docs/FORMAT.md, "Resolution levels"): what compress stores, what
/// `tile(level:column:row:)` and `view` give, damage, and version-1 files.
final class LevelTests: XCTestCase {
    /// Small tiles, so that small real images have stored levels (level 4 is stored when level 3
    /// is larger than one tile).
    static func options(_ mode: CodingMode, tile: Int = 16) -> CompressOptions {
        var o = CompressOptions()
        o.mode = mode
        o.tileSize = tile
        if case .vq(var vq) = mode {
            vq = try! vq.updating(codewords: 64, samples: 4000)
            o.mode = .vq(vq)
        }
        o.modelTiles = 8
        return o
    }

    /// A real image cropped to odd sizes, written as PNG.
    static func crop(_ source: String, x: Int, y: Int, width: Int, height: Int, in dir: ScratchDirectory, name: String)
        throws -> (path: String, pixels: PixelBuffer)
    {
        let whole = try ImageFiles.readAll(source)
        let part = whole.cropped(x: x, y: y, width: width, height: height)
        let path = dir.path(name)
        let sink = try ImageWriter.create(
            path, info: ImageInfo(width: width, height: height, format: part.format, metadata: ImageMetadata()))
        try sink.write(part)
        try sink.finish()
        return (path, part)
    }

    /// Level k of `image` assembled from its tiles.
    static func assembled(_ image: TessImage, k: Int) throws -> PixelBuffer {
        let l = try XCTUnwrap(image.levels.first { $0.level == k })
        var out = PixelBuffer(width: l.width, height: l.height, format: LevelPlan.levelFormat(image.header.format))
        for r in 0..<l.tileRows {
            for c in 0..<l.tileColumns {
                out.paste(try image.tile(level: k, column: c, row: r), x: c * image.header.tileWidth, y: r * image.header.tileHeight)
            }
        }
        return out
    }

    static func psnr(_ a: [Int], _ b: [Int], maxValue: Int) -> Double {
        let se = zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        return se == 0 ? .infinity : 10 * log10(Double(maxValue * maxValue) * Double(a.count) / se)
    }

    /// A 1-bit page from `fixtures/` at an odd size (419×277): for the tests that need no corpus.
    func fixtureInput(_ dir: ScratchDirectory) throws -> (name: String, path: String, pixels: PixelBuffer) {
        let page = try Self.crop(
            Fixtures.path("scans/leptonica-pageseg2.tif"), x: 300, y: 500, width: 419, height: 277, in: dir, name: "page.png")
        return ("page", page.path, page.pixels)
    }

    /// The inputs: 8-bit colour and grey, 1-bit, and 16-bit RGBA made from a real photograph
    /// (each sample × 257, alpha from its green channel), at odd sizes.
    func inputs(_ dir: ScratchDirectory) throws -> [(name: String, path: String, pixels: PixelBuffer)] {
        try Corpus.require()
        var out: [(String, String, PixelBuffer)] = []
        let rgb = try Self.crop(Corpus.path("kodak/kodim23.png"), x: 101, y: 77, width: 301, height: 203, in: dir, name: "rgb.png")
        out.append(("rgb8", rgb.path, rgb.pixels))
        let grey = try Self.crop(
            Fixtures.path("scans/leptonica-pageseg2.tif"), x: 300, y: 500, width: 419, height: 277, in: dir, name: "bilevel.png")
        out.append(("grey1", grey.path, grey.pixels))
        let kodim = try ImageFiles.readAll(Corpus.path("kodak/kodim05.png")).cropped(x: 40, y: 30, width: 263, height: 171)
        var wide = PixelBuffer(width: kodim.width, height: kodim.height, format: PixelFormat(colorModel: .rgba, bitDepth: 16))
        for y in 0..<kodim.height {
            for x in 0..<kodim.width {
                for c in 0..<3 { wide.setSample(x: x, y: y, channel: c, kodim.sample(x: x, y: y, channel: c) * 257) }
                wide.setSample(x: x, y: y, channel: 3, kodim.sample(x: x, y: y, channel: 1) * 257)
            }
        }
        let widePath = dir.path("rgba16.png")
        let sink = try ImageWriter.create(widePath, info: ImageInfo(width: wide.width, height: wide.height, format: wide.format, metadata: ImageMetadata()))
        try sink.write(wide)
        try sink.finish()
        out.append(("rgba16", widePath, wide))
        return out
    }

    /// Lossless files: every stored level is exactly the original's block means, and so is every
    /// level made from full resolution; the file is version 2 and lists its levels.
    func testLosslessLevelsAreTheOriginalsBlockMeans() throws {
        let dir = try ScratchDirectory()
        for input in try inputs(dir) {
            let out = dir.path("\(input.name).tess")
            let report = try Compressor.compress(input: input.path, output: out, options: Self.options(.lossless))
            let image = try TessImage(path: out)
            XCTAssertEqual(image.reader.version, 2, input.name)
            XCTAssertEqual(image.storedLevels.map(\.level), Array(4...image.levels.count - 1), input.name)
            XCTAssertEqual(report.levels.map(\.level), image.storedLevels.map(\.level), input.name)
            for l in image.levels where l.level > 0 {
                let expected = LevelReference.level(input.pixels, k: l.level)
                XCTAssertEqual(l.isStored, l.level >= 4, input.name)
                XCTAssertEqual(LevelReference.values(try Self.assembled(image, k: l.level)), expected.values, "\(input.name) level \(l.level)")
            }
            for r in report.levels { XCTAssertEqual(r.psnr, .infinity, "\(input.name) level \(r.level)") }
        }
    }

    /// Lossy files: each stored level's PSNR against the original's block means is at least the
    /// file's own, and compress reports it as measured here.
    func testLossyLevelsAreAtLeastAsGoodAsTheFile() throws {
        let dir = try ScratchDirectory()
        let all = try inputs(dir)
        for input in all where input.name != "rgba16" {
            for mode in [CodingMode.vq(VQOptions()), try .transform(step: 8)] {
                if case .transform = mode, input.name == "grey1" { continue }  // transform is for 8-bit images
                let out = dir.path("\(input.name)-lossy.tess")
                let report = try Compressor.compress(input: input.path, output: out, options: Self.options(mode))
                let image = try TessImage(path: out)
                XCTAssertFalse(report.levels.isEmpty, input.name)
                for r in report.levels {
                    let expected = LevelReference.level(input.pixels, k: r.level)
                    let got = LevelReference.values(try Self.assembled(image, k: r.level))
                    let measured = Self.psnr(got, expected.values, maxValue: 255)
                    XCTAssertEqual(measured, r.psnr, accuracy: 1e-6, "\(input.name) \(mode) level \(r.level)")
                    XCTAssertGreaterThanOrEqual(measured, report.psnr, "\(input.name) \(mode) level \(r.level)")
                }
            }
        }
    }

    /// Views read stored levels: each equals the exact area filter of the level it comes from
    /// (a stored level's pixels, or block means of the full-resolution decode below level 4).
    func testViewsFromStoredLevelsMatchTheirDefinition() throws {
        let dir = try ScratchDirectory()
        for input in try inputs(dir) {
            let out = dir.path("\(input.name)-view.tess")
            _ = try Compressor.compress(input: input.path, output: out, options: Self.options(.vq(VQOptions())))
            let image = try TessImage(path: out)
            let full = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
            let w = input.pixels.width, h = input.pixels.height
            // (The second and third: whole level blocks at one pixel each, the identity filter.)
            let views = [(0, 0, w, h, 17, 11), (0, 0, 256, 160, 16, 10), (16, 32, 224, 128, 14, 8), (0, 0, w, h, w / 16, h / 16), (5, 3, w - 9, h - 4, 12, 9),
                         (w / 3, h / 4, w / 2, h / 2, 20, 13), (0, 0, w, h, 3, 2), (1, 2, w - 1, h - 2, (w - 1) / 9, (h - 2) / 9)]
            for (x, y, vw, vh, ow, oh) in views {
                let view = try image.view(x: x, y: y, width: vw, height: vh, outputWidth: ow, outputHeight: oh)
                var k = 0
                while k < image.levels.count - 1, ow << (k + 1) <= vw, oh << (k + 1) <= vh { k += 1 }
                let level =
                    k >= 4
                    ? { let p = try! Self.assembled(image, k: k); return (p.width, p.height, LevelReference.values(p)) }()
                    : LevelReference.level(full, k: k)
                let expected = LevelReference.filter(
                    level, k: k, channels: input.pixels.format.channels, x: x, y: y, w: vw, h: vh, ow: ow, oh: oh)
                XCTAssertEqual(LevelReference.values(view), expected, "\(input.name) view \((x, y, vw, vh, ow, oh)) from level \(k)")
            }
        }
    }

    /// Grey and 1-bit VQ files whose sides are whole patches make views at levels 1 to 3 from
    /// their index maps alone (`fromPatchSums`): the same pixels as from the decoded image.
    func testViewsFromIndexMapsEqualThoseFromPixels() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let inputs = [
            try Self.crop(Corpus.path("documents/leptonica-lucasta.047.png"), x: 100, y: 300, width: 612, height: 404, in: dir, name: "grey8.png"),
            try Self.crop(Fixtures.path("scans/leptonica-pageseg2.tif"), x: 300, y: 500, width: 420, height: 276, in: dir, name: "grey1.png"),
        ]
        for (i, input) in inputs.enumerated() {
            let out = dir.path("sums-\(i).tess")
            _ = try Compressor.compress(input: input.path, output: out, options: Self.options(.vq(VQOptions()), tile: 64))
            let image = try TessImage(path: out)
            XCTAssertNotNil(image.patchSums, input.path)
            let full = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
            let w = input.pixels.width, h = input.pixels.height
            for (x, y, vw, vh, ow, oh) in [(0, 0, w, h, w / 4, h / 4), (4, 8, w - 9, h - 13, 70, 40), (13, 7, 300, 200, 37, 25), (0, 0, w, h, w / 8, h / 8), (8, 16, 400, 240, 50, 30), (0, 0, w, h, w / 2, h / 2), (6, 2, 301, 203, 120, 90)] {
                let view = try image.view(x: x, y: y, width: vw, height: vh, outputWidth: ow, outputHeight: oh)
                var k = 0
                while k < image.levels.count - 1, ow << (k + 1) <= vw, oh << (k + 1) <= vh { k += 1 }
                XCTAssertGreaterThanOrEqual(k, 1)
                let expected = LevelReference.filter(
                    LevelReference.level(full, k: k), k: k, channels: 1, x: x, y: y, w: vw, h: vh, ow: ow, oh: oh)
                XCTAssertEqual(LevelReference.values(view), expected, "\(input.path) view \((x, y, vw, vh, ow, oh))")
            }
        }
    }

    /// Colour VQ files (Y, Cb, Cr; 4:2:0 and 4:4:4) make the levels they do not store from the
    /// index maps too: each level pixel the RGB of its block's Y, Cb and Cr means — checked
    /// against those means computed from the decoded planes patch by patch — and close to the
    /// decoded pixels' means.
    func testColourViewsFromIndexMapsAreTheRGBOfThePlaneMeans() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let input = try Self.crop(Corpus.path("kodak/kodim23.png"), x: 64, y: 40, width: 576, height: 392, in: dir, name: "rgb.png")
        for color in [LossyColor.ycbcr420, .ycbcr] {
            var options = Self.options(.vq(VQOptions()), tile: 64)
            options.color = color
            let out = dir.path("colour-\(color).tess")
            _ = try Compressor.compress(input: input.path, output: out, options: options)
            let image = try TessImage(path: out)
            XCTAssertNotNil(image.patchSums)
            let h = image.header, p = h.patchSize, d = p * p
            let vq = try XCTUnwrap(image.decoder as? VQDecoder)
            // The decoded planes, whole (chroma at half size for 4:2:0), patch by patch.
            let spans = vq.planeSpans
            var planes = spans.map { s in [Int](repeating: 0, count: (h.width * p / s) * (h.height * p / s)) }
            for tr in 0..<h.tileRows {
                for tc in 0..<h.tileColumns {
                    let tile = try XCTUnwrap(try image.decodedTile(column: tc, row: tr) as? VQDecodedTile)
                    let rect = h.tileRect(column: tc, row: tr)
                    for plane in 0..<h.planeCount {
                        let s = spans[plane], pw = h.width * p / s
                        let g = vq.planeGrid(tile.grid, plane: plane)
                        for sy in 0..<g.height {
                            for sx in 0..<g.width {
                                let code = min(Int(tile.maps[plane][(sy / p) * g.columns + sx / p]), vq.codewordCounts[plane] - 1)
                                planes[plane][(rect.y * p / s + sy) * pw + rect.x * p / s + sx] =
                                    Int(vq.sampleTables[plane][code * d + (sy % p) * p + sx % p])
                            }
                        }
                    }
                }
            }
            let full = try image.region(x: 0, y: 0, width: h.width, height: h.height)
            var checked = 0
            for (x, y, vw, vh, ow, oh) in [(0, 0, 576, 392, 72, 49), (8, 16, 300, 200, 30, 20), (0, 0, 576, 392, 144, 98), (0, 0, 576, 392, 23, 11), (0, 0, 576, 392, 288, 196), (32, 8, 400, 300, 150, 100)] {
                var k = 0
                while k < image.levels.count - 1, ow << (k + 1) <= vw, oh << (k + 1) <= vh { k += 1 }
                let f = 1 << k
                guard k >= 1, !image.storedLevels.contains(where: { $0.level == k }) else { continue }
                let lw = h.width / f, lh = h.height / f
                var values: [Int] = []
                for by in 0..<lh {
                    for bx in 0..<lw {
                        var m: [Int] = []
                        for plane in 0..<h.planeCount {
                            let s = spans[plane], pw = h.width * p / s, b = f * p / s
                            var sum = 0
                            for yy in (by * b)..<((by + 1) * b) { for xx in (bx * b)..<((bx + 1) * b) { sum += planes[plane][yy * pw + xx] } }
                            m.append((2 * sum + b * b) / (2 * b * b))
                        }
                        let (r, g, bl) = YCbCr.inverse(y: m[0], cb: m[1], cr: m[2])
                        values += [Int(r), Int(g), Int(bl)]
                    }
                }
                let view = try image.view(x: x, y: y, width: vw, height: vh, outputWidth: ow, outputHeight: oh)
                let expected = LevelReference.filter((lw, lh, values), k: k, channels: 3, x: x, y: y, w: vw, h: vh, ow: ow, oh: oh)
                XCTAssertEqual(LevelReference.values(view), expected, "\(color) view \((x, y, vw, vh, ow, oh)) level \(k)")
                // Close to the means of the decoded pixels.
                let fromPixels = LevelReference.filter(
                    LevelReference.level(full, k: k), k: k, channels: 3, x: x, y: y, w: vw, h: vh, ow: ow, oh: oh)
                XCTAssertGreaterThan(Self.psnr(expected, fromPixels, maxValue: 255), 40, "\(color) level \(k)")
                checked += 1
            }
            XCTAssertEqual(checked, 5, "\(color)")
        }
    }

    /// `levels = false`: a version-1 file, no level chunks, views made from full resolution.
    func testNoLevelsWritesAVersionOneFile() throws {
        let dir = try ScratchDirectory()
        let input = try fixtureInput(dir)
        var options = Self.options(.lossless)
        options.levels = false
        _ = try Compressor.compress(input: input.path, output: dir.path("plain.tess"), options: options)
        let image = try TessImage(path: dir.path("plain.tess"))
        XCTAssertEqual(image.reader.version, 1)
        XCTAssertTrue(image.storedLevels.isEmpty)
        XCTAssertTrue(try GoldenFile(path: dir.path("plain.tess")).levelTiles.isEmpty)
        XCTAssertEqual(
            LevelReference.values(try image.view(x: 0, y: 0, width: 419, height: 277, outputWidth: 26, outputHeight: 17)),
            LevelReference.filter(LevelReference.level(input.pixels, k: 4), k: 4, channels: 1, x: 0, y: 0, w: 419, h: 277, ow: 26, oh: 17))
    }

    /// The golden files, written before levels existed (Format_Version 1), open with no stored
    /// levels and give every level from full resolution.
    func testVersionOneFilesGiveLevelsFromFullResolution() throws {
        for name in ["kodim23-rgb8", "pageseg2-grey1", "basn6a16-rgba16", "hebtypo-grey8-dct"] {
            let image = try TessImage(path: Fixtures.path("golden/\(name).tess"))
            XCTAssertEqual(image.reader.version, 1, name)
            XCTAssertTrue(image.storedLevels.isEmpty, name)
            let full = try image.region(x: 0, y: 0, width: image.header.width, height: image.header.height)
            for l in image.levels where l.level > 0 {
                XCTAssertFalse(l.isStored)
                XCTAssertEqual(
                    LevelReference.values(try Self.assembled(image, k: l.level)), LevelReference.level(full, k: l.level).values,
                    "\(name) level \(l.level)")
            }
        }
    }

    /// A damaged level tile: verify names it; a view that needs it comes from the next finer
    /// level instead (never from the damaged data); its tile is made from full resolution.
    func testDamagedLevelTilesFallBackToFinerLevels() throws {
        let dir = try ScratchDirectory()
        let input = try fixtureInput(dir)
        let out = dir.path("damaged.tess")
        _ = try Compressor.compress(input: input.path, output: out, options: Self.options(.lossless))
        let file = try GoldenFile(path: out)
        let whole = try TessImage(path: out)
        XCTAssertEqual(file.levelTiles.count, whole.storedLevels.reduce(0) { $0 + $1.header.tileCount })
        XCTAssertNotNil(file.levelIndex)
        // Level 4 of 419×277 in 16² tiles is 27×18: 2×2 tiles; damage (1, 0), checksum left wrong.
        let span = try XCTUnwrap(
            file.levelTiles.first { file.bytes[$0.payloadStart] == 4 && file.bytes[$0.payloadStart + 4] == 1 })
        var bytes = file.bytes
        bytes[span.payloadStart + 20] ^= 0x40
        let path = dir.path("damaged2.tess")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let image = try TessImage(path: path)
        let report = image.verify()
        XCTAssertTrue(report.damaged.isEmpty)
        XCTAssertEqual(report.damagedLevelTiles.count, 1)
        XCTAssertEqual(report.damagedLevelTiles.first?.level, 4)
        XCTAssertEqual(report.damagedLevelTiles.first?.column, 1)
        XCTAssertFalse(report.isWhole)
        // The whole image from level 4: made from level 3 (from full resolution) instead.
        let view = try image.view(x: 0, y: 0, width: 419, height: 277, outputWidth: 26, outputHeight: 17)
        let full = try image.region(x: 0, y: 0, width: 419, height: 277)
        XCTAssertEqual(
            LevelReference.values(view),
            LevelReference.filter(LevelReference.level(full, k: 3), k: 3, channels: 1, x: 0, y: 0, w: 419, h: 277, ow: 26, oh: 17))
        XCTAssertNotEqual(
            LevelReference.values(view),
            LevelReference.values(try whole.view(x: 0, y: 0, width: 419, height: 277, outputWidth: 26, outputHeight: 17)))
        // A view of level 4's undamaged tile (0, 0) still reads it.
        XCTAssertEqual(
            LevelReference.values(try image.view(x: 0, y: 0, width: 256, height: 256, outputWidth: 16, outputHeight: 16)),
            LevelReference.values(try whole.view(x: 0, y: 0, width: 256, height: 256, outputWidth: 16, outputHeight: 16)))
        // The damaged tile itself, from full resolution: for a lossless file the same pixels.
        XCTAssertEqual(try image.tile(level: 4, column: 1, row: 0), try whole.tile(level: 4, column: 1, row: 0))
    }

    /// Every bit of the level index flipped, and every level tile's data damaged, with the
    /// checksums recomputed: each file is refused with a TessFileError, or opens and gives
    /// views of the right size — never a crash.
    func testCraftedLevelIndexAndTilesNeverCrash() throws {
        let dir = try ScratchDirectory()
        let input = try fixtureInput(dir)
        let out = dir.path("crafted.tess")
        _ = try Compressor.compress(input: input.path, output: out, options: Self.options(.vq(VQOptions())))
        let file = try GoldenFile(path: out)
        let index = try XCTUnwrap(file.levelIndex)
        var refused = 0, opened = 0
        func check(_ bytes: [UInt8]) {
            let source = MemorySource(bytes)
            do {
                let image = try TessImage(source: source, path: "crafted.tess")
                opened += 1
                let v = try image.view(x: 0, y: 0, width: 419, height: 277, outputWidth: 9, outputHeight: 6)
                XCTAssertEqual(v.width * v.height, 54)
                _ = image.verify(threads: 1)
            } catch is TessFileError {
                refused += 1
            } catch {
                XCTFail("not a TessFileError: \(error)")
            }
        }
        for bit in 0..<(index.length * 8) {
            check(file.modified(index) { $0[bit / 8] ^= UInt8(1 << (bit % 8)) })
        }
        for span in file.levelTiles {
            for at in stride(from: 12, to: span.length, by: max(1, span.length / 16)) {
                check(file.modified(span) { $0[at] ^= 0x5A })
            }
            check(file.modified(span) { $0[4] ^= 1 })  // the column it says it is
        }
        XCTAssertGreaterThan(refused, 0)
        XCTAssertGreaterThan(opened, 0)
    }

    /// Many threads reading views and level tiles of one open file get what one thread gets.
    func testConcurrentReadersOfLevels() throws {
        let dir = try ScratchDirectory()
        let input = try fixtureInput(dir)
        let out = dir.path("shared.tess")
        _ = try Compressor.compress(input: input.path, output: out, options: Self.options(.vq(VQOptions())))
        let image = try TessImage(path: out)
        let requests = (0..<48).map { i in (x: i % 7, y: i % 5, ow: 3 + i % 17, oh: 2 + i % 11) }
        let serial = try requests.map {
            try image.view(x: $0.x, y: $0.y, width: 280, height: 190, outputWidth: $0.ow, outputHeight: $0.oh)
        }
        let parallel = try Parallel.map(requests, threads: 8) {
            try image.view(x: $0.x, y: $0.y, width: 280, height: 190, outputWidth: $0.ow, outputHeight: $0.oh)
        }
        XCTAssertEqual(serial, parallel)
        let tiles = try Parallel.map(Array(0..<16), threads: 8) { i in try image.tile(level: 4 + i % 2, column: i % 2 == 0 ? i % 2 : 0, row: 0) }
        XCTAssertEqual(tiles[0], try image.tile(level: 4, column: 0, row: 0))
    }
}
