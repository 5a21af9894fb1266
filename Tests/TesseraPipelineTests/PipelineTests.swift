import Foundation
import TesseraFormat
import TesseraIO
import TestSupport
import XCTest

@testable import TesseraPipeline

/// The concurrent pipeline: order, bounds, and clean failure.
final class PipelineTests: XCTestCase {
    struct Planted: Error, Equatable { let item: Int }

    /// Results come out in the producer's order whatever the thread count.
    func testOrderIsKeptWithAnyThreadCount() throws {
        for threads in [1, 2, 5] {
            var next = 0
            var seen: [Int] = []
            let stats = try OrderedPipeline.run(
                threads: threads, maxInFlight: 7,
                produce: { () -> Int? in
                    defer { next += 1 }
                    return next < 500 ? next : nil
                },
                transform: { i -> Int in
                    if i % 7 == 0 { usleep(200) }  // uneven work, so workers finish out of order
                    return i * 3
                },
                consume: { seen.append($0) })
            XCTAssertEqual(seen, (0..<500).map { $0 * 3 }, "\(threads) threads")
            XCTAssertEqual(stats.consumed, 500)
        }
    }

    /// A slow consumer (a slow disk) holds the producer back: never more than
    /// the bound in flight, checked at every item made.
    func testBackPressureBoundsItemsInFlight() throws {
        let bound = 6
        var produced = 0
        var consumed = 0
        let lock = NSLock()
        var worst = 0
        let stats = try OrderedPipeline.run(
            threads: 2, maxInFlight: bound,
            produce: { () -> Int? in
                lock.lock()
                defer { lock.unlock() }
                guard produced < 120 else { return nil }
                produced += 1
                worst = max(worst, produced - consumed)
                return produced
            },
            transform: { $0 },
            consume: { _ in
                usleep(2_000)
                lock.lock()
                consumed += 1
                lock.unlock()
            })
        XCTAssertLessThanOrEqual(worst, bound)
        XCTAssertLessThanOrEqual(stats.peakInFlight, bound)
        XCTAssertEqual(stats.consumed, 120)
    }

    /// A failing stage stops the others and its error comes out; nothing hangs.
    func testAFailureStopsEveryStage() throws {
        for failIn in ["produce", "transform", "consume"] {
            var next = 0
            var consumed = 0
            XCTAssertThrowsError(
                try OrderedPipeline.run(
                    threads: 2, maxInFlight: 8,
                    produce: { () -> Int? in
                        if failIn == "produce" && next == 40 { throw Planted(item: 40) }
                        defer { next += 1 }
                        return next < 10_000 ? next : nil
                    },
                    transform: { i -> Int in
                        if failIn == "transform" && i == 40 { throw Planted(item: 40) }
                        return i
                    },
                    consume: { i in
                        if failIn == "consume" && i == 40 { throw Planted(item: 40) }
                        consumed += 1
                    }), failIn
            ) { error in
                XCTAssertEqual(error as? Planted, Planted(item: 40), failIn)
            }
            XCTAssertLessThanOrEqual(consumed, 40, failIn)
            XCTAssertLessThan(next, 40 + 8 + 2, "\(failIn): the producer ran on after the failure")
        }
    }

    /// A write error part-way (the file-size limit) stops compression with the
    /// error and leaves nothing under the final name, nor a temporary file.
    func testWriteFailureLeavesNoOutput() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let output = dir.path("big.tess")
        var options = CodecTests.quickOptions(tile: 64)
        options.mode = .vq(try XCTUnwrap(options.vq).updating(samples: 4000))
        var saved = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved), 0)
        let previous = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = 8_000  // below the file (about 20 KB), above its header chunks
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
        var thrown: Error?
        do {
            _ = try Compressor.compress(input: Corpus.path("kodak/kodim20.png"), output: output, options: options)
        } catch {
            thrown = error
        }
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved), 0)
        signal(SIGXFSZ, previous)
        XCTAssertTrue("\(thrown.map { "\($0)" } ?? "no error")".hasPrefix("\(output): cannot write"), "\(String(describing: thrown))")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [])
    }

    /// A wide PGM sliced a group of tile columns at a time (direct reads) gives the same
    /// tiles, in the same order, as slicing whole bands; edge tiles included.
    func testColumnGroupsGiveTheSameTiles() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let pgm = dir.path("lucasta-columns.pgm")
        let source = try ImageReader.open(Corpus.path("documents/leptonica-lucasta.047.png"))
        let info = source.info
        let sink = try PNMImageSink(path: pgm, info: ImageInfo(width: info.width, height: info.height, format: info.format))
        try source.forEachBand(rows: 100) { _, band in try sink.write(band) }
        try sink.finish()
        let header = ImageHeader(
            width: info.width, height: info.height, format: info.format, tileWidth: 96, tileHeight: 96, patchSize: 4,
            planeCount: 1)
        func tiles(groupBytes: Int) throws -> (tiles: [PixelBuffer], groups: Int) {
            let slicer = TileSlicer(source: try ImageReader.open(pgm), header: header, path: pgm, groupBytes: groupBytes)
            var out: [PixelBuffer] = []
            while let t = try slicer.next() { out.append(t) }
            return (out, slicer.groupColumns)
        }
        let whole = try tiles(groupBytes: 1 << 30)
        XCTAssertEqual(whole.groups, header.tileColumns)
        XCTAssertEqual(whole.tiles.count, header.tileCount)
        for groupBytes in [1, 3 * 96 * 96] {
            let grouped = try tiles(groupBytes: groupBytes)
            XCTAssertLessThan(grouped.groups, header.tileColumns)
            XCTAssertTrue(grouped.tiles == whole.tiles, "groups of \(grouped.groups) tile columns")
        }
    }

    /// The same pixels give the same coded file whichever way the reader hands them
    /// over: a PGM read in one move per band (straight into the band), and a PNG whose
    /// reader may only give a few rows at a time (the slicer then gathers each band).
    func testSameTilesWhateverTheReadersBands() throws {
        try Corpus.require()
        let dir = try ScratchDirectory()
        let png = Corpus.path("documents/leptonica-lucasta.047.png")  // 1065x1879 grey
        let pgm = dir.path("lucasta.pgm")
        let source = try ImageReader.open(png)
        let sink = try PNMImageSink(path: pgm, info: ImageInfo(width: source.info.width, height: source.info.height, format: source.info.format))
        try source.forEachBand(rows: 100) { _, band in try sink.write(band) }
        try sink.finish()
        var options = CodecTests.quickOptions(tile: 96)
        _ = try Compressor.compress(input: pgm, output: dir.path("a.tess"), options: options)
        options.readOptions = ReadOptions(maxBufferBytes: 7 * 1065)
        _ = try Compressor.compress(input: png, output: dir.path("b.tess"), options: options)
        let a = try TessReader(path: dir.path("a.tess")), b = try TessReader(path: dir.path("b.tess"))
        XCTAssertEqual(a.header, b.header)
        XCTAssertEqual(a.headerChunks[.codebook], b.headerChunks[.codebook])
        XCTAssertEqual(a.headerChunks[.entropyModels], b.headerChunks[.entropyModels])
        for row in 0..<a.header.tileRows {
            for column in 0..<a.header.tileColumns {
                XCTAssertEqual(
                    try a.tilePayload(column: column, row: row), try b.tilePayload(column: column, row: row),
                    "tile (\(column), \(row))")
            }
        }
    }
}
