import Dispatch
import Synchronization
import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraSupport

/// A .tess file opened for decoding: any tile or region on demand, or the
/// whole image streamed to a sink. This is what a viewer or a tile server calls.
///
/// ```swift
/// let image = try TessImage(path: "scan.tess")
/// let crop = try image.region(x: 5000, y: 12000, width: 1024, height: 1024)
/// ```
public final class TessImage: Sendable {
    public let path: String
    public let reader: TessReader
    /// The decoder of the file's coding mode.
    public let decoder: any TileDecoder
    /// How the tiles are coded, as the header chunks say (checked against one another).
    public let coding: CodingParameters
    /// The stored resolution levels (none in Format_Version 1 files), finer first.
    public let storedLevels: [StoredLevel]
    /// Where decoded tiles are kept, if anywhere, and this image's part of its keys.
    let cache: DecodedTileCache?
    let cacheKey: Int
    /// What reduced views of a `vq` file are made from without making pixels (`fromPatchSums`):
    /// each plane's codeword sums of decoded samples over squares of every power-of-two side q
    /// up to the patch (`sums[plane][log2 q]`), and the square of the image a patch of each plane
    /// covers. Only when the image's sides and the tiles are whole squares of the largest span.
    struct PatchMeans: Sendable {
        var vq: VQDecoder
        var sums: [[[UInt32]]]
        var spans: [Int]
        /// Planes Y, Cb, Cr (colour transforms 2 and 3) rather than the channels themselves.
        var ycbcr: Bool
    }

    let patchSums: PatchMeans?
    /// The coarsest stored level when it is one tile, once decoded: every whole-image view
    /// smaller than it (thumbnails, the first zoom levels of a viewer) is made from it.
    let coarsestTile = Mutex<(any DecodedTile)?>(nil)
    /// The full-resolution tiles' bytes, chunk envelopes included.
    let fullResolutionBytes: Int

    /// One stored resolution level: coded as an image of its own (its own header and mode).
    public struct StoredLevel: Sendable {
        public let level: Int
        public let header: ImageHeader
        public let decoder: any TileDecoder
        /// Its tiles' bytes in the file, chunk envelopes included.
        public let bytes: Int
    }

    /// Opens the file at `path`: three reads (footer, header region, seek index), every header
    /// chunk checked against the others. Throws a `TessFileError` naming the file.
    public convenience init(path: String) throws {
        try self.init(reader: TessReader(path: path))
    }

    /// Opens from any random-access source (a memory map, a range reader, a test's recording reader).
    public convenience init(source: any RandomAccessSource, path: String) throws {
        try self.init(reader: TessReader(source: source, path: path))
    }

    /// Opens from `source`, decoded tiles shared through `cache`.
    public convenience init(source: any RandomAccessSource, path: String, cache: DecodedTileCache?) throws {
        try self.init(reader: TessReader(source: source, path: path), cache: cache)
    }

    /// Opens a file already read by `reader`, choosing its decoder (`CodecFactory`); decoded
    /// tiles are kept in `cache` when one is given.
    public init(reader: TessReader, cache: DecodedTileCache? = nil) throws {
        self.path = reader.path
        self.reader = reader
        self.cache = cache
        cacheKey = DecodedTileCache.nextImageKey()
        do {
            (decoder, coding) = try CodecFactory.decoder(header: reader.header, chunks: reader.headerChunks)
            let plan = LevelPlan.coarsest(
                width: reader.header.width, height: reader.header.height, tileWidth: reader.header.tileWidth,
                tileHeight: reader.header.tileHeight)
            storedLevels = try reader.levelIndex.levels.map { l throws(ContainerError) in
                guard l.level <= plan else {
                    throw ContainerError.malformed("level index", "level \(l.level) is below the coarsest, \(plan)")
                }
                let (decoder, _) = try CodecFactory.decoder(header: l.header, chunks: l.chunks)
                return StoredLevel(
                    level: l.level, header: l.header, decoder: decoder,
                    bytes: l.index.entries.reduce(0) { $0 + Int($1.length) })
            }
            fullResolutionBytes = reader.index.entries.reduce(0) { $0 + Int($1.length) }
            let h = reader.header
            if let vq = decoder as? VQDecoder {
                let spans = vq.planeSpans, span = spans.max() ?? h.patchSize
                if [h.width, h.height, h.tileWidth, h.tileHeight].allSatisfy({ $0 % span == 0 }) {
                    var bySquare: [[[UInt32]]] = Array(repeating: [], count: h.planeCount)
                    var q = 1
                    while q <= h.patchSize {
                        for (plane, table) in vq.codewordSums(square: q).enumerated() { bySquare[plane].append(table) }
                        q *= 2
                    }
                    patchSums = PatchMeans(vq: vq, sums: bySquare, spans: spans, ycbcr: h.colorTransform.isYCbCr)
                } else {
                    patchSums = nil
                }
            } else {
                patchSums = nil
            }
        } catch {
            throw TessFileError(path: reader.path, error)
        }
    }

    public var header: ImageHeader { reader.header }

    /// Width, height, pixel format and metadata of the decoded image.
    public var info: ImageInfo {
        ImageInfo(width: header.width, height: header.height, format: header.format, metadata: reader.metadata)
    }

    /// Decodes tile (column, row); edge tiles come back at their cut size.
    public func tile(column: Int, row: Int) throws -> PixelBuffer {
        try decodedTile(column: column, row: row).pixels()
    }

    /// Tile (column, row) decoded as far as its mode goes before pixels are placed (index maps
    /// in mode `vq`, pixels in the others).
    public func decodedTile(column: Int, row: Int) throws -> any DecodedTile {
        let key = DecodedTileCache.Key(image: cacheKey, kind: 0, level: -1, column: Int32(column), row: Int32(row))
        if let cache, case .tile(let t)? = cache.get(key) { return t }
        let data = try reader.tilePayload(column: column, row: row)
        let rect = header.tileRect(column: column, row: row)
        let tile: any DecodedTile
        do {
            tile = try decoder.decode(data, width: rect.width, height: rect.height, context: "tile (\(column), \(row))")
        } catch {
            throw TessFileError(path: path, error)
        }
        cache?.put(key, .tile(tile), bytes: Self.estimatedBytes(tile, header: header))
        return tile
    }

    /// Memory a decoded tile holds: index maps (an eighth of the pixels' bytes, 4×4 patches
    /// of 16-bit indices, 4:2:0 chroma less) for `vq`, pixels otherwise.
    static func estimatedBytes(_ tile: any DecodedTile, header h: ImageHeader) -> Int {
        let pixels = tile.width * tile.height * tile.format.bytesPerPixel
        return h.codingMode == .vq ? max(64, pixels * 2 / (h.patchSize * h.patchSize)) : pixels
    }

    func checkRegion(_ r: (x: Int, y: Int, width: Int, height: Int)) throws {
        guard r.width > 0, r.height > 0, r.x >= 0, r.y >= 0, r.x + r.width <= header.width,
            r.y + r.height <= header.height
        else {
            throw TessFileError(
                path: path,
                problem: .invalidRequest(
                    "region \(r.x),\(r.y),\(r.width),\(r.height) is not inside the \(header.width)x\(header.height) image"))
        }
    }

    /// Makes the part of tile (column, row) of an image of `h` (the file's, or a stored
    /// level's) that lies inside `region` from its index maps, writing it into `origin`, the
    /// region's top-left pixel in a buffer whose rows are `rowBytes` apart; only rows `rows`
    /// (image coordinates) are made, and `origin` then stands for the region's pixel
    /// (0, rows.lowerBound − region.y).
    func reconstruct(
        tile: any DecodedTile, column: Int, row: Int, of h: ImageHeader,
        region r: (x: Int, y: Int, width: Int, height: Int), rows: Range<Int>,
        into origin: UnsafeMutableRawPointer, rowBytes: Int
    ) {
        let rect = h.tileRect(column: column, row: row)
        let x0 = max(r.x, rect.x), x1 = min(r.x + r.width, rect.x + rect.width)
        let y0 = max(rows.lowerBound, rect.y), y1 = min(rows.upperBound, rect.y + rect.height)
        guard x1 > x0, y1 > y0 else { return }
        tile.write(
            columns: (x0 - rect.x)..<(x1 - rect.x), rows: (y0 - rect.y)..<(y1 - rect.y),
            into: origin + (y0 - rows.lowerBound) * rowBytes + (x0 - r.x) * h.format.bytesPerPixel,
            rowBytes: rowBytes)
    }

    /// Decodes the rectangle (x, y, width, height), reading only the tiles that overlap it.
    public func region(x: Int, y: Int, width: Int, height: Int, threads: Int = 0) throws -> PixelBuffer {
        let r = (x: x, y: y, width: width, height: height)
        try checkRegion(r)
        reader.prefetch(tiles: header.tiles(overlapping: x, y, width, height))
        return try assemble(header, region: r, threads: threads) { try self.decodedTile(column: $0, row: $1) }
    }

    /// The rectangle `r` of an image of `h` (the file's, or a stored level's) from the tiles
    /// under it, each decoded by `decode` on a worker thread and written into its own part of
    /// the output there: no pasting afterwards.
    func assemble(
        _ h: ImageHeader, region r: (x: Int, y: Int, width: Int, height: Int), threads: Int,
        decode: (_ column: Int, _ row: Int) throws -> any DecodedTile
    ) throws -> PixelBuffer {
        let (x, y, width, height) = r
        let tiles = h.tiles(overlapping: x, y, width, height)
        let rowBytes = width * h.format.bytesPerPixel
        var failure: (any Error)?
        // Every tile writes its own rectangle of the output: no pasting afterwards.
        // (After a failure the buffer, partly unwritten, is dropped unread.)
        let bytes = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, count in
            count = rowBytes * height
            guard let base = buffer.baseAddress else { return }
            let origin = UncheckedSendable(UnsafeMutableRawPointer(base))
            do {
                _ = try Parallel.map(tiles, threads: threads) { (c, row) in
                    let tile = try decode(c, row)
                    self.reconstruct(
                        tile: tile, column: c, row: row, of: h, region: r, rows: y..<(y + height), into: origin.value,
                        rowBytes: rowBytes)
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return PixelBuffer(width: width, height: height, format: h.format, bytes: bytes)
    }

    /// Streams the whole image (or a region) into `sink`. Worker threads read
    /// and entropy-decode tiles in parallel; the calling thread turns each
    /// finished row of tiles into pixels a strip of rows at a time, straight
    /// from the index maps, and writes the strips in order. Memory: the index
    /// maps of one row of tiles plus at most `tilesInFlight` more (an eighth of
    /// their pixels' size for 8-bit images) and one strip of at most 2 MiB. A
    /// region of at most 16 MiB is made whole in memory and written at once.
    @discardableResult
    public func decode(
        into sink: any ImageSink, region: (x: Int, y: Int, width: Int, height: Int)? = nil, threads: Int = 0,
        progress: ((_ rowsDone: Int, _ rowsTotal: Int) -> Void)? = nil
    ) throws -> OrderedPipeline.Statistics {
        try decode(
            into: sink, region: region, threads: threads, stripBytes: Self.stripBytes,
            wholeRegionBytes: Self.wholeRegionBytes, progress: progress)
    }

    /// `decode(into:…)` with the strip size and the largest region made whole
    /// in memory given (tests make strips of a few rows, and force either path).
    @discardableResult
    func decode(
        into sink: any ImageSink, region: (x: Int, y: Int, width: Int, height: Int)?, threads: Int, stripBytes: Int,
        wholeRegionBytes: Int, progress: ((_ rowsDone: Int, _ rowsTotal: Int) -> Void)?
    ) throws -> OrderedPipeline.Statistics {
        let r = region ?? (0, 0, header.width, header.height)
        try checkRegion(r)
        let h = header
        // A small region (a viewer's or a cropping script's request) is made whole
        // in memory, every tile decoded and placed by the workers, then written at
        // once: no ordering between the threads, so both cores work until the end.
        if r.width * r.height * h.format.bytesPerPixel <= wholeRegionBytes {
            let tiles = ((r.x + r.width - 1) / h.tileWidth - r.x / h.tileWidth + 1)
                * ((r.y + r.height - 1) / h.tileHeight - r.y / h.tileHeight + 1)
            // A few dozen tiles take a couple of milliseconds on one core: in a fresh
            // process, starting worker threads costs about as much (measured: a 1024²
            // region, 25 tiles, 10.0 ms on one thread against 11.5 ms on two, with
            // other jobs running; equal from about 80 tiles).
            let workers = threads == 0 && tiles <= Self.oneThreadTiles ? 1 : threads
            let pixels = try self.region(x: r.x, y: r.y, width: r.width, height: r.height, threads: workers)
            try sink.write(pixels)
            progress?(r.height, r.height)
            return OrderedPipeline.Statistics(consumed: tiles, peakInFlight: tiles)
        }
        let c0 = r.x / h.tileWidth, c1 = (r.x + r.width - 1) / h.tileWidth
        let r0 = r.y / h.tileHeight, r1 = (r.y + r.height - 1) / h.tileHeight
        let columns = c1 - c0 + 1
        reader.prefetch(tiles: h.tiles(overlapping: r.x, r.y, r.width, r.height))
        let workers = threads > 0 ? threads : Parallel.defaultThreads
        let inFlight = Self.tilesInFlight(workers: workers)
        let rowBytes = r.width * h.format.bytesPerPixel
        let stripRows = max(1, min(h.tileHeight, stripBytes / max(rowBytes, 1)))
        var strip = PixelBuffer(width: r.width, height: min(stripRows, r.height), format: h.format)
        var next = 0
        let total = columns * (r1 - r0 + 1)
        var band: [any DecodedTile] = []
        band.reserveCapacity(columns)
        return try OrderedPipeline.run(
            threads: workers, maxInFlight: inFlight,
            produce: { () -> (Int, Int)? in
                guard next < total else { return nil }
                defer { next += 1 }
                return (c0 + next % columns, r0 + next / columns)
            },
            transform: { (c, row) in (row, try self.decodedTile(column: c, row: row)) },
            consume: { (row, tile) in
                band.append(tile)
                guard band.count == columns else { return }
                let rect = h.tileRect(column: c0, row: row)
                let bandEnd = min(r.y + r.height, rect.y + rect.height)
                var y = max(r.y, rect.y)
                while y < bandEnd {
                    let n = min(stripRows, bandEnd - y)
                    if strip.height != n { strip = PixelBuffer(width: r.width, height: n, format: h.format) }
                    strip.bytes.withUnsafeMutableBytes { out in
                        guard let origin = out.baseAddress else { return }
                        for (i, tile) in band.enumerated() {
                            self.reconstruct(
                                tile: tile, column: c0 + i, row: row, of: h, region: r, rows: y..<(y + n),
                                into: origin, rowBytes: rowBytes)
                        }
                    }
                    try sink.write(strip)
                    y += n
                }
                band.removeAll(keepingCapacity: true)
                progress?(bandEnd - r.y, r.height)
            })
    }

    /// Regions up to this size are decoded whole in memory before they are written.
    static let wholeRegionBytes = 16 << 20

    /// Regions of at most this many tiles are decoded on the calling thread alone
    /// when no thread count is asked for.
    static let oneThreadTiles = 64

    /// Bytes of pixels handed to the sink at a time.
    static let stripBytes = 2 << 20

    /// Tiles (as index maps, an eighth of their pixels' size for 8-bit images)
    /// allowed between the readers and the strip writer: enough to keep every
    /// worker busy while a row of tiles is written out, and independent of the
    /// image's width, so that memory stays flat as images grow.
    static func tilesInFlight(workers: Int) -> Int {
        max(8 * workers, 128)
    }

    /// The outcome of checking every tile.
    public struct Verification: Sendable {
        public var tileCount: Int
        /// Tiles whose checksum fails or that do not decode: (column, row, problem).
        public var damaged: [(column: Int, row: Int, problem: String)]
        /// Tiles of the stored levels, and those damaged: (level, column, row, problem).
        public var levelTileCount = 0
        public var damagedLevelTiles: [(level: Int, column: Int, row: Int, problem: String)] = []
        public var isWhole: Bool { damaged.isEmpty && damagedLevelTiles.isEmpty }
    }

    /// Checks every tile's checksum and decodes it, the stored levels' tiles too. Never throws
    /// for a damaged tile.
    public func verify(threads: Int = 0) -> Verification {
        // (position in storedLevels, or -1 for full resolution; column; row)
        var all: [(Int, Int, Int)] = (0..<header.tileCount).map { (-1, $0 % header.tileColumns, $0 / header.tileColumns) }
        for (i, l) in storedLevels.enumerated() {
            all += (0..<l.header.tileCount).map { (i, $0 % l.header.tileColumns, $0 / l.header.tileColumns) }
        }
        let problems: [String?] =
            (try? Parallel.map(all, threads: threads) { (p, c, r) -> String? in
                do {
                    if p < 0 {
                        _ = try self.tile(column: c, row: r)
                    } else {
                        _ = try self.storedLevelTile(position: p, column: c, row: r)
                    }
                    return nil
                } catch let e as TessFileError {
                    if case .container(let ce) = e.problem { return ce.description }
                    return e.description
                } catch {
                    return "\(error)"
                }
            }) ?? []
        var v = Verification(tileCount: header.tileCount, damaged: [])
        v.levelTileCount = all.count - header.tileCount
        for (i, p) in problems.enumerated() {
            guard let p else { continue }
            let (position, c, r) = all[i]
            if position < 0 {
                v.damaged.append((c, r, p))
            } else {
                v.damagedLevelTiles.append((storedLevels[position].level, c, r, p))
            }
        }
        return v
    }
}
