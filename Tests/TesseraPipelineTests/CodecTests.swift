import Foundation
import TesseraCodebook
import TestSupport
@testable import TesseraCodecs
import TesseraFormat
import TesseraIO
import XCTest

@testable import TesseraPipeline

/// Compression and decoding of real corpus images end to end, through the library.
final class CodecTests: XCTestCase {
    /// Small, quick settings: the properties tested do not depend on the codebook's size.
    static func quickOptions(codewords: Int = 64, tile: Int = 128) -> CompressOptions {
        var o = CompressOptions()
        // Always in range: 16 ≤ codewords ≤ 8000.
        o.mode = .vq(try! VQOptions(codewords: codewords, samples: 8000, maxIterations: 8))
        o.tileSize = tile
        o.modelTiles = 12
        return o
    }

    static func readWhole(_ path: String) throws -> PixelBuffer {
        let source = try ImageReader.open(path)
        var image = PixelBuffer(width: source.info.width, height: source.info.height, format: source.info.format)
        try source.forEachBand(rows: 128) { y, band in image.paste(band, x: 0, y: y) }
        return image
    }

    /// The quantised image, computed without the entropy coder or the codec's
    /// reconstruction: each patch's index from the search kernel is checked
    /// against a brute-force search (equal, or a near tie the kernel documents),
    /// and the pixels are looked up, rounded and clamped here.
    static func independentlyQuantised(
        _ original: PixelBuffer, codec: TileQuantiser, file: StaticString = #filePath, line: UInt = #line
    ) -> PixelBuffer {
        let p = codec.header.patchSize
        var out = PixelBuffer(width: original.width, height: original.height, format: original.format)
        let maxValue = Float(original.format.maxValue)
        let scale = VQDecoder.scale(for: original.format)
        let h = codec.header
        // Colour transform 2: the planes quantised are Y, Cb, Cr; the result goes back to R, G, B.
        let ycbcr = h.colorTransform == .ycbcr
        let planes = ycbcr ? YCbCr.forward(original) : original
        var mismatches = 0
        for row in 0..<h.tileRows {
            for col in 0..<h.tileColumns {
                let r = h.tileRect(column: col, row: row)
                let tile = planes.cropped(x: r.x, y: r.y, width: r.width, height: r.height)
                let maps = codec.quantise(tile)
                let grid = PatchGrid(width: r.width, height: r.height, patchSize: p)
                for plane in 0..<h.planeCount {
                    let q = codec.quantisers[plane]
                    let d = q.dimension, cw = q.codewords
                    for i in 0..<grid.count {
                        let px = (i % grid.columns) * p, py = (i / grid.columns) * p
                        var v = [Float](repeating: 0, count: d)
                        for dy in 0..<p {
                            for dx in 0..<p {
                                let x = r.x + min(px + dx, r.width - 1), y = r.y + min(py + dy, r.height - 1)
                                v[dy * p + dx] = Float(planes.sample(x: x, y: y, channel: plane)) * scale
                            }
                        }
                        func distance(_ k: Int) -> Float {
                            var s: Float = 0
                            for j in 0..<d {
                                let e = v[j] - cw[k * d + j]
                                s += e * e
                            }
                            return s
                        }
                        let best = (0..<q.codewordCount).map(distance).min() ?? 0
                        let chosen = Int(maps[plane][i])
                        // Near ties, as the kernel documents: scores are ‖x‖² + ‖c‖² − 2x·c in
                        // Float, so they carry rounding of a few ulps of ‖x‖² + ‖c‖².
                        let normX = v.reduce(0) { $0 + $1 * $1 }
                        let normC = (0..<d).reduce(Float(0)) { $0 + cw[chosen * d + $1] * cw[chosen * d + $1] }
                        let tolerance = max(best * 1e-4, (normX + normC) * 5e-7)
                        if distance(chosen) > best + tolerance { mismatches += 1 }
                        for dy in 0..<p where py + dy < r.height {
                            for dx in 0..<p where px + dx < r.width {
                                let value = min(max(cw[chosen * d + dy * p + dx] / scale, 0), maxValue).rounded()
                                out.setSample(x: r.x + px + dx, y: r.y + py + dy, channel: plane, Int(value))
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "patches whose index is not the nearest codeword", file: file, line: line)
        if ycbcr {
            let (w, hgt, rowBytes, channels) = (out.width, out.height, out.rowBytes, out.format.channels)
            out.bytes.withUnsafeMutableBytes {
                YCbCr.inverse($0.baseAddress!, columns: w, rows: hgt, rowBytes: rowBytes, channels: channels)
            }
        }
        return out
    }

    /// Number of samples that differ (for readable failures).
    static func differingSamples(_ a: PixelBuffer, _ b: PixelBuffer) -> Int {
        guard a.width == b.width, a.height == b.height, a.format == b.format else { return -1 }
        return zip(a.bytes, b.bytes).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    static func psnr(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        var sse = 0.0
        for y in 0..<a.height {
            for x in 0..<a.width {
                for c in 0..<a.format.channels {
                    let d = Double(a.sample(x: x, y: y, channel: c) - b.sample(x: x, y: y, channel: c))
                    sse += d * d
                }
            }
        }
        let mse = sse / Double(a.width * a.height * a.format.channels)
        return 10 * log10(Double(a.format.maxValue * a.format.maxValue) / mse)
    }

    /// Grey and colour documents and a Kodak photograph: the decode equals the
    /// quantised image (computed by brute force), and the reported PSNR matches.
    func testRoundTripEqualsQuantisedImage() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        for name in ["documents/tesseract-hebtypo.png", "documents/ocrd-DIBCO11-PR4.png", "kodak/kodim23.png",
            "documents/leptonica-feyn.tif"] {
            let input = Corpus.path(name)
            let output = dir.path("out.tess")
            // A large codebook on the photograph: the partial-distance search quantises it.
            var options = Self.quickOptions(codewords: name.contains("kodim") ? 1024 : 64)
            // Plain nearest-codeword assignment, which this test checks patch by patch (the
            // entropy-constrained one is checked in ColourVQTests and PartialDistanceSearchTests).
            options.mode = .vq(try XCTUnwrap(options.vq).updating(rateWeight: 0))
            // Full-size planes, which the check below quantises one grid for (4:2:0 has its own tests).
            options.color = .ycbcr
            if name.hasSuffix(".tif") {
                // Sampled from every other band only (the path huge scans take).
                options.samplingPixels = 4_000_000
                XCTAssertEqual(VQTraining.samplingStride(header: ImageHeader(
                    width: 2528, height: 3300, format: PixelFormat(colorModel: .grey, bitDepth: 1), tileWidth: 128,
                    tileHeight: 128, patchSize: 4, planeCount: 1), options: options, vq: try XCTUnwrap(options.vq)), 2)
            }
            let report = try Compressor.compress(input: input, output: output, options: options)
            let original = try Self.readWhole(input)
            let image = try TessImage(path: output)
            XCTAssertEqual(image.info.width, original.width)
            XCTAssertEqual(image.info.height, original.height)
            XCTAssertEqual(image.info.format, original.format)
            let decoded = try image.region(x: 0, y: 0, width: original.width, height: original.height)
            // The encoder's quantisers (a decoder never searches, so it has its own).
            // Codebooks trained for the image are packed (CBKP); colour ones are Y, Cb, Cr.
            let packed = try PackedCodebook(decoding: XCTUnwrap(image.reader.headerChunks[.packedCodebook], name))
            XCTAssertEqual(image.header.colorTransform == .ycbcr, image.header.format.channels == 3, name)
            let encoder = TileQuantiser(header: image.header, quantisers: CodewordSearch.quantisers(packed))
            let expected = Self.independentlyQuantised(original, codec: encoder)
            XCTAssertEqual(Self.differingSamples(decoded, expected), 0, "\(name): decode differs from the quantised image")
            XCTAssertEqual(report.psnr, Self.psnr(original, decoded), accuracy: 1e-6, name)
            XCTAssertEqual(report.outputBytes, Int(image.reader.source.size))
            XCTAssertGreaterThan(report.psnr, 20, name)
        }
    }

    /// Same input and seed → byte-identical files, whatever the thread count.
    func testDeterministicAcrossThreadCounts() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        var options = Self.quickOptions()
        options.threads = 1
        _ = try Compressor.compress(input: Corpus.path("kodak/kodim05.png"), output: dir.path("1.tess"), options: options)
        options.threads = 2
        _ = try Compressor.compress(input: Corpus.path("kodak/kodim05.png"), output: dir.path("2.tess"), options: options)
        let a = try Data(contentsOf: dir.url.appendingPathComponent("1.tess"))
        let b = try Data(contentsOf: dir.url.appendingPathComponent("2.tess"))
        XCTAssertTrue(a == b, "files differ between 1 and 2 threads")
    }

    /// Regions equal the same crop of the full decode: random ones, edges and corners.
    func testRegionsEqualCropsOfFullDecode() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let output = dir.path("r.tess")
        // 1457x2083: neither a multiple of the tile (96) nor of the patch (4).
        let options = Self.quickOptions(tile: 96)
        _ = try Compressor.compress(
            input: Corpus.path("documents/ocrd-kant_aufklaerung_1784-NRM_0017.png"), output: output, options: options)
        let image = try TessImage(path: output)
        let W = image.header.width, H = image.header.height
        let full = try image.region(x: 0, y: 0, width: W, height: H)
        var regions = [(0, 0, 1, 1), (W - 1, H - 1, 1, 1), (0, H - 37, 50, 37), (W - 50, 0, 50, 200), (95, 95, 2, 2)]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            let w = Int.random(in: 1...400, using: &rng), h = Int.random(in: 1...400, using: &rng)
            regions.append((Int.random(in: 0...(W - w), using: &rng), Int.random(in: 0...(H - h), using: &rng), w, h))
        }
        for (i, (x, y, w, h)) in regions.enumerated() {
            let region = try image.region(x: x, y: y, width: w, height: h)
            let expected = full.cropped(x: x, y: y, width: w, height: h)
            XCTAssertEqual(Self.differingSamples(region, expected), 0, "region \(x),\(y),\(w),\(h)")
            // The streamed path (what `tessera decompress --region` runs), strips of a few rows.
            var info = image.info
            info.width = w
            info.height = h
            // Both ways of `decode(into:)`: streamed by strips of a few rows, and whole in memory.
            for whole in [0, 1 << 30] {
                let sink = MemorySink(info: info)
                try image.decode(
                    into: sink, region: (x, y, w, h), threads: 1 + i % 3, stripBytes: 7 * w, wholeRegionBytes: whole,
                    progress: nil)
                XCTAssertEqual(
                    Self.differingSamples(sink.image, expected), 0, "streamed region \(x),\(y),\(w),\(h), \(whole)")
                XCTAssertEqual(sink.rowsWritten, h)
            }
        }
        XCTAssertThrowsError(try image.region(x: W - 10, y: 0, width: 11, height: 1))
    }

    /// A region read touches the footer, the header, the index and only the tiles it overlaps.
    func testRegionReadsOnlyItsTiles() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let output = dir.path("t.tess")
        _ = try Compressor.compress(
            input: Corpus.path("documents/ocrd-DIBCO11-PR4.png"), output: output, options: Self.quickOptions(tile: 64))
        let recorder = RecordingSource(try FileRandomAccess(path: output))
        let image = try TessImage(source: recorder, path: output)
        let opened = recorder.ranges
        XCTAssertEqual(opened.count, 3, "footer, header region, seek index")
        recorder.reset()
        _ = try image.region(x: 100, y: 70, width: 60, height: 30)  // tiles (1,1) (2,1): x 64..191, y 64..127
        let h = image.header
        let expected = [(1, 1), (2, 1)].map { image.reader.index.entry(column: $0.0, row: $0.1) }
        XCTAssertEqual(
            Set(recorder.ranges.map { "\($0.offset)+\($0.count)" }),
            Set(expected.map { "\($0.offset)+\($0.length)" }))
        XCTAssertGreaterThan(h.tileCount, 20)
    }

    /// One damaged tile is named by verify; every other tile still decodes.
    func testDamagedTileIsLocalised() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let output = dir.path("d.tess")
        _ = try Compressor.compress(
            input: Corpus.path("kodak/kodim01.png"), output: output, options: Self.quickOptions(tile: 128))
        let clean = try TessImage(path: output)
        let entry = clean.reader.index.entry(column: 3, row: 2)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        bytes[Int(entry.offset) + Int(entry.length) / 2] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: output))
        let image = try TessImage(path: output)
        let result = image.verify()
        XCTAssertEqual(result.damaged.map { "\($0.column),\($0.row)" }, ["3,2"])
        XCTAssertTrue(result.damaged[0].problem.contains("checksum mismatch"), result.damaged[0].problem)
        for r in 0..<image.header.tileRows {
            for c in 0..<image.header.tileColumns where !(c == 3 && r == 2) {
                XCTAssertNoThrow(try image.tile(column: c, row: r))
            }
        }
    }
}

/// A random-access source that records every byte range it is asked for.
final class RecordingSource: RandomAccessSource, @unchecked Sendable {
    let base: FileRandomAccess
    private let lock = NSLock()
    private var recorded: [(offset: UInt64, count: Int)] = []

    init(_ base: FileRandomAccess) { self.base = base }

    var size: UInt64 { base.size }

    var ranges: [(offset: UInt64, count: Int)] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func reset() {
        lock.lock()
        recorded = []
        lock.unlock()
    }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        lock.lock()
        recorded.append((offset, count))
        lock.unlock()
        return try base.read(at: offset, count: count)
    }
}
