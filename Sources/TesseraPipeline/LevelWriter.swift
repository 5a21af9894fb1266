#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraSupport

/// Makes and writes the stored resolution levels of a file during its one streaming pass.
///
/// The coding threads sum each full-resolution tile's 2^s × 2^s blocks (s = the first stored
/// level; `blockSums`); `add` gathers a row of tiles' sums and appends it to an unlinked
/// temporary file beside the output (1/4^s of the image, as 32-bit sums). When every tile is
/// written and the file's quality is known, `finish` reads the sums back once, top to bottom,
/// and builds every stored level from them, a row at a time: level k + 1's sums are level k's
/// added in 2 × 2, so every level pixel is the rounded mean of its own block of the original.
/// Each level keeps one row of sums and one row of tiles of pixels; a row of tiles is coded in
/// parallel as soon as it is complete. Memory: tile-height rows of each level, about
/// 2·tileHeight·width/2^s samples in all, whatever the image's height.
final class LevelWriter {
    let image: ImageHeader
    let plan: LevelPlan
    let writer: TessWriter
    let threads: Int
    let factor: Int
    let channels: Int
    /// Level s's width and height.
    let sumsWidth: Int
    let sumsHeight: Int
    private let sumsRowBytes: Int
    private var band: [UInt32]
    private var bandTiles = 0
    private var fd: Int32 = -1
    private var rowsWritten = 0

    /// What was stored of one level.
    struct Report: Sendable {
        var level: Int
        var width: Int
        var height: Int
        var bytes: Int
        var quality: QualityStats
        var coding: String
    }

    init(image: ImageHeader, plan: LevelPlan, writer: TessWriter, output: String, threads: Int) throws {
        self.image = image
        self.plan = plan
        self.writer = writer
        self.threads = threads
        factor = 1 << plan.firstStored
        channels = image.format.channels
        (sumsWidth, sumsHeight) = LevelIndex.size(ofLevel: plan.firstStored, width: image.width, height: image.height)
        sumsRowBytes = sumsWidth * channels * 4
        band = [UInt32](repeating: 0, count: sumsWidth * channels * (image.tileHeight / factor))
        let folder = output.contains("/") ? String(output[..<output.lastIndex(of: "/")!]) : "."
        var template = Array("\(folder.isEmpty ? "/" : folder)/.tessera-levels-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw TessFileError(path: output, problem: .writeFailed("level sums: \(String(cString: strerror(errno)))"))
        }
        // Unlinked at once: the space is freed when the file is closed, even after a crash.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The sums of `tile`'s `factor`×`factor` blocks (cut at its edges), row by row, channels
    /// interleaved. Called by the coding threads: each band of `factor` rows is first added up
    /// down the columns (contiguous, vectorised), then across each block.
    static func blockSums(of tile: PixelBuffer, factor f: Int) -> [UInt32] {
        let c = tile.format.channels
        let w = (tile.width + f - 1) / f, h = (tile.height + f - 1) / f
        let rowSamples = tile.width * c
        var out = [UInt32](repeating: 0, count: w * h * c)
        var columns = [UInt32](repeating: 0, count: rowSamples)
        tile.bytes.withUnsafeBytes { raw in
            columns.withUnsafeMutableBufferPointer { acc in
                out.withUnsafeMutableBufferPointer { s in
                    for by in 0..<h {
                        for i in 0..<rowSamples { acc[i] = 0 }
                        for y in (by * f)..<min(by * f + f, tile.height) {
                            let row = raw.baseAddress! + y * tile.rowBytes
                            if tile.format.bytesPerSample == 1 {
                                let p = row.assumingMemoryBound(to: UInt8.self)
                                for i in 0..<rowSamples { acc[i] &+= UInt32(p[i]) }
                            } else {
                                let p = row.assumingMemoryBound(to: UInt16.self)
                                for i in 0..<rowSamples { acc[i] &+= UInt32(UInt16(littleEndian: p[i])) }
                            }
                        }
                        for bx in 0..<w {
                            let x0 = bx * f, x1 = min(x0 + f, tile.width)
                            for ch in 0..<c {
                                var sum: UInt32 = 0
                                for x in x0..<x1 { sum &+= acc[x * c + ch] }
                                s[(by * w + bx) * c + ch] = sum
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Takes the block sums of the next tile in raster order.
    func add(sums: [UInt32], column: Int, row: Int) throws {
        let rect = image.tileRect(column: column, row: row)
        let w = (rect.width + factor - 1) / factor, h = (rect.height + factor - 1) / factor
        let x0 = rect.x / factor
        for y in 0..<h {
            for i in 0..<(w * channels) {
                band[(y * sumsWidth + x0) * channels + i] = sums[y * w * channels + i]
            }
        }
        bandTiles += 1
        guard bandTiles == image.tileColumns else { return }
        bandTiles = 0
        try band.withUnsafeBytes { raw in try writeAll(raw.baseAddress!, h * sumsRowBytes) }
        rowsWritten += h
    }

    private func writeAll(_ p: UnsafeRawPointer, _ count: Int) throws {
        var done = 0
        while done < count {
            let n = write(fd, p + done, count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw TessFileError(path: writer.path, problem: .writeFailed("level sums: \(String(cString: strerror(errno)))"))
            }
            done += n
        }
    }

    /// Up to `count` tiles of the first stored level, spread evenly over it (for choosing how
    /// to code the levels before coding them).
    func sampleTiles(count: Int) throws -> [PixelBuffer] {
        precondition(rowsWritten == sumsHeight, "level sums incomplete")
        let t = image.tileWidth, th = image.tileHeight
        let columns = (sumsWidth + t - 1) / t, rows = (sumsHeight + th - 1) / th
        let n = columns * rows, m = min(count, n)
        let format = LevelPlan.levelFormat(image.format)
        let scale = LevelScale(image.format)
        var out: [PixelBuffer] = []
        for i in 0..<m {
            let tile = (2 * i + 1) * n / (2 * m)
            let x0 = (tile % columns) * t, y0 = (tile / columns) * th
            let w = min(t, sumsWidth - x0), h = min(th, sumsHeight - y0)
            var buffer = PixelBuffer(width: w, height: h, format: format)
            var sums = [UInt32](repeating: 0, count: w * channels)
            for y in 0..<h {
                let at = off_t(((y0 + y) * sumsWidth + x0) * channels * 4)
                let want = w * channels * 4
                let got = sums.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, at) }
                guard got == want else {
                    throw TessFileError(path: writer.path, problem: .writeFailed("level sums: cannot read them back"))
                }
                let bh = min(factor, image.height - (y0 + y) * factor)
                for x in 0..<w {
                    let bw = min(factor, image.width - (x0 + x) * factor)
                    for ch in 0..<channels {
                        buffer.setSample(
                            x: x, y: y, channel: ch, Int(scale.mean(UInt64(sums[x * channels + ch]), samples: bw * bh)))
                    }
                }
            }
            out.append(buffer)
        }
        return out
    }

    /// Levels held whole when their pixels take at most this many bytes (else coded as they
    /// stream past, as the first stored level is).
    static let wholeLevelBytes = 32 << 20

    /// Builds, codes and appends every stored level as `coding` chooses: the first from a
    /// sample of its tiles, each coarser one from all of its own; returns what each level cost,
    /// its error against the original's block means, and the levels for
    /// `TessWriter.finish(levels:)`.
    func finish(coding: LevelCoding) throws -> ([Report], [TessWriter.StoredLevel]) {
        precondition(rowsWritten == sumsHeight, "level sums incomplete")
        let tileSize = image.tileWidth
        let first = coding.choice(sample: try sampleTiles(count: 4))
        var levels: [LevelBuilder] = []
        for k in plan.stored {
            let size = LevelIndex.size(ofLevel: k, width: image.width, height: image.height)
            let info = ImageInfo(
                width: size.width, height: size.height, format: LevelPlan.levelFormat(image.format),
                metadata: ImageMetadata())
            let whole = k > plan.firstStored && info.width * info.height * info.format.bytesPerPixel <= Self.wholeLevelBytes
            levels.append(
                LevelBuilder(
                    level: k, image: image, tileSize: tileSize, encoder: whole ? nil : coding.encoder(first, info: info),
                    choice: whole ? nil : first, writer: writer, threads: threads))
        }
        guard lseek(fd, 0, SEEK_SET) == 0 else {
            throw TessFileError(path: writer.path, problem: .writeFailed("level sums: \(String(cString: strerror(errno)))"))
        }
        // Read back in pieces of about 4 MiB.
        let rowsPerRead = max(1, (4 << 20) / sumsRowBytes)
        var buffer = [UInt32](repeating: 0, count: rowsPerRead * sumsWidth * channels)
        var row = [UInt64](repeating: 0, count: sumsWidth * channels)
        var y = 0
        while y < sumsHeight {
            let n = min(rowsPerRead, sumsHeight - y)
            try buffer.withUnsafeMutableBytes { raw in
                var done = 0
                let count = n * sumsRowBytes
                while done < count {
                    let got = read(fd, raw.baseAddress! + done, count - done)
                    if got < 0 && errno == EINTR { continue }
                    guard got > 0 else {
                        throw TessFileError(path: writer.path, problem: .writeFailed("level sums: cannot read them back"))
                    }
                    done += got
                }
            }
            for r in 0..<n {
                let base = r * sumsWidth * channels
                for i in 0..<row.count { row[i] = UInt64(buffer[base + i]) }
                try levels[0].take(row, from: levels, at: 0)
            }
            y += n
        }
        close(fd)
        fd = -1
        var previous: LevelCoding.Choice? = first
        for l in levels {
            try l.finishWhole(coding, near: previous)
            previous = l.choice
        }
        let reports = levels.map {
            Report(
                level: $0.level, width: $0.width, height: $0.height, bytes: $0.bytes, quality: $0.quality,
                coding: $0.choice?.description ?? "")
        }
        let stored = levels.map {
            TessWriter.StoredLevel(level: $0.level, header: $0.encoder!.header, chunks: $0.encoder!.headerChunks)
        }
        return (reports, stored)
    }
}
