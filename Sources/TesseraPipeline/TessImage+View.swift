import TesseraCodecs
import TesseraFormat
import TesseraIO
import TesseraSupport

extension TessImage {
    /// One resolution level: the image reduced by 2^`level` in each direction.
    public struct Level: Sendable, Equatable {
        public let level: Int
        public let width: Int
        public let height: Int
        /// Whether the file stores it (else it is made from full resolution when asked for).
        public let isStored: Bool
        /// Its tiles' bytes in the file (0 when not stored; the whole file's tiles for level 0).
        public let bytes: Int
        /// Its tile grid (tiles of the file's tile size, in level pixels).
        public let tileColumns: Int
        public let tileRows: Int
    }

    /// The image's resolution levels, from full resolution (level 0) down to the first that
    /// fits in one tile (docs/FORMAT.md, "Resolution levels").
    public var levels: [Level] {
        let h = header
        return (0...coarsestLevel).map { k in
            let (w, ht) = LevelIndex.size(ofLevel: k, width: h.width, height: h.height)
            let stored = storedLevels.first { $0.level == k }
            let bytes = k == 0 ? fullResolutionBytes : (stored?.bytes ?? 0)
            return Level(
                level: k, width: w, height: ht, isStored: stored != nil, bytes: bytes,
                tileColumns: (w + h.tileWidth - 1) / h.tileWidth, tileRows: (ht + h.tileHeight - 1) / h.tileHeight)
        }
    }

    /// The deepest level.
    var coarsestLevel: Int {
        LevelPlan.coarsest(
            width: header.width, height: header.height, tileWidth: header.tileWidth, tileHeight: header.tileHeight)
    }

    /// Tile (column, row) of level `level` (tiles of the file's tile size, in level pixels;
    /// edge tiles cut): a stored level's tile as decoded, or, for a level that is not stored
    /// (or whose tile is damaged), the box means of the full-resolution pixels under it. Level
    /// 0 is `tile(column:row:)`. Images of fewer than 8 bits have 8-bit levels from level 1.
    public func tile(level: Int, column: Int, row: Int) throws -> PixelBuffer {
        if level == 0 { return try tile(column: column, row: row) }
        guard level > 0, level <= coarsestLevel else {
            throw TessFileError(
                path: path, problem: .invalidRequest("level \(level) is not one of levels 0 to \(coarsestLevel)"))
        }
        let l = LevelIndex.size(ofLevel: level, width: header.width, height: header.height)
        guard column >= 0, row >= 0, column * header.tileWidth < l.width, row * header.tileHeight < l.height else {
            throw TessFileError(path: path, problem: .invalidRequest("tile (\(column), \(row)) is outside level \(level)"))
        }
        if let position = storedLevels.firstIndex(where: { $0.level == level }),
            let tile = try? storedLevelTile(position: position, column: column, row: row)
        {
            return tile
        }
        let x = column * header.tileWidth, y = row * header.tileHeight
        let g = ViewGeometry(
            level: level, levelX: x, levelY: y, width: min(header.tileWidth, l.width - x),
            height: min(header.tileHeight, l.height - y), imageWidth: header.width, imageHeight: header.height)
        if let means = patchSums, g.level >= 1 { return try fromPatchSums(g, means: means, threads: 0) }
        return try fromFullResolution(g, threads: 0)
    }

    /// Tile (column, row) of `storedLevels[position]`, decoded.
    func storedLevelTile(position: Int, column: Int, row: Int) throws -> PixelBuffer {
        try storedLevelDecodedTile(position: position, column: column, row: row).pixels()
    }

    func storedLevelDecodedTile(position: Int, column: Int, row: Int) throws -> any DecodedTile {
        let l = storedLevels[position]
        let isCoarsestTile = position == storedLevels.count - 1 && l.header.tileCount == 1
        if isCoarsestTile, let t = coarsestTile.withLock({ $0 }) { return t }
        let key = DecodedTileCache.Key(image: cacheKey, kind: 0, level: Int32(l.level), column: Int32(column), row: Int32(row))
        if let cache, case .tile(let t)? = cache.get(key) { return t }
        let data = try reader.levelTilePayload(position: position, column: column, row: row)
        let rect = l.header.tileRect(column: column, row: row)
        let tile: any DecodedTile
        do {
            tile = try l.decoder.decode(
                data, width: rect.width, height: rect.height, context: "level \(l.level) tile (\(column), \(row))")
        } catch {
            throw TessFileError(path: path, error)
        }
        if isCoarsestTile {
            coarsestTile.withLock { $0 = tile }
        } else {
            cache?.put(key, .tile(tile), bytes: Self.estimatedBytes(tile, header: l.header))
        }
        return tile
    }

    /// The index maps of full-resolution `vq` tile (column, row), from the cache when it has them.
    func tileMaps(column tc: Int, row tr: Int, grid: PatchGrid, vq: VQDecoder) throws -> [[UInt16]] {
        let key = DecodedTileCache.Key(image: cacheKey, kind: 1, level: 0, column: Int32(tc), row: Int32(tr))
        if let cache, case .maps(let m)? = cache.get(key) { return m }
        let data = try reader.tilePayload(column: tc, row: tr)
        let maps: [[UInt16]]
        do throws(ContainerError) {
            maps = try vq.decodeMaps(data, grid: grid, context: "tile (\(tc), \(tr))")
        } catch {
            throw TessFileError(path: path, error)
        }
        cache?.put(key, .maps(maps), bytes: maps.reduce(64) { $0 + 2 * $1.count })
        return maps
    }

    /// The region (x, y, width, height) reduced to `outputWidth`×`outputHeight` (no larger
    /// than the region): filtered by area from the coarsest resolution level at least as fine
    /// as the output (`ViewGeometry`) — a stored level's tiles when the file has it, else the
    /// full-resolution tiles. A damaged tile of a stored level makes the view fall back to the
    /// next finer level (in the end to full resolution). Images of fewer than 8 bits give 8-bit
    /// views. Memory: the output, and one strip of decoded rows (full resolution) or the
    /// level's pixels under the region (a stored level, at most about 4 times the output).
    public func view(
        x: Int, y: Int, width: Int, height: Int, outputWidth: Int, outputHeight: Int, threads: Int = 0
    ) throws -> PixelBuffer {
        var cap = coarsestLevel
        while true {
            let g: ViewGeometry
            do {
                g = try ViewGeometry(
                    x: x, y: y, width: width, height: height, outputWidth: outputWidth, outputHeight: outputHeight,
                    imageWidth: header.width, imageHeight: header.height, maxLevel: cap)
            } catch {
                throw TessFileError(path: path, problem: .invalidRequest(error.description))
            }
            guard let position = storedLevels.firstIndex(where: { $0.level == g.level }) else {
                if let means = patchSums, g.level >= 1 {
                    return try fromPatchSums(g, means: means, threads: threads)
                }
                return try fromFullResolution(g, threads: threads)
            }
            let pixels: PixelBuffer
            do {
                // Level tiles are transform or residual coded: a few ms each, worth a second thread.
                let lr = g.levelRect
                reader.prefetch(
                    tiles: storedLevels[position].header.tiles(overlapping: lr.x, lr.y, lr.width, lr.height),
                    levelPosition: position)
                pixels = try assemble(storedLevels[position].header, region: g.levelRect, threads: threads) {
                    try self.storedLevelDecodedTile(position: position, column: $0, row: $1)
                }
            } catch let e as TessFileError {
                if case .invalidRequest = e.problem { throw e }
                cap = g.level - 1  // damaged: the next finer level
                continue
            }
            // The region is whole level blocks at the level's own size: the level's pixels as they are.
            if g.isWholeLevelBlocks { return pixels }
            let builder = ViewBuilder(geometry: g, format: header.format, metadata: reader.metadata)
            builder.addLevelRows(pixels, firstRow: g.levelRect.y)
            return builder.image()
        }
    }

    /// The view `g` made from the full-resolution tiles (on every core: a view decodes at least
    /// four times its pixels).
    func fromFullResolution(_ g: ViewGeometry, threads: Int) throws -> PixelBuffer {
        let builder = ViewBuilder(geometry: g, format: header.format, metadata: reader.metadata)
        let c = g.covered
        try decode(
            into: builder, region: (c.x, c.y, c.width, c.height), threads: threads > 0 ? threads : Parallel.defaultThreads)
        return builder.image()
    }

    /// The view `g` (level 1 or deeper) made from the index maps of a `vq` file (`patchSums`):
    /// each block's sum in a plane is its patches' codeword sums, or the sum over one square of
    /// one patch when the block is smaller than a patch of that plane, so no pixel is made.
    /// Planes that are the channels give the same level pixels as the decoded image; Y, Cb, Cr
    /// planes give the RGB of the block's Y, Cb and Cr means (docs/FORMAT.md, "Resolution levels").
    func fromPatchSums(_ g: ViewGeometry, means: PatchMeans, threads: Int) throws -> PixelBuffer {
        let h = header, f = g.factor, channels = h.format.channels, planes = h.planeCount
        let levelRect = g.levelRect
        let (lx, ly, lw, lh) = levelRect
        let cov = g.covered
        var level = PixelBuffer(width: lw, height: lh, format: LevelPlan.levelFormat(h.format))
        let wide = level.format.bytesPerSample == 2
        try level.bytes.withUnsafeMutableBytes { raw in
            let out = UncheckedSendable(raw.baseAddress!)
            let tiles = h.tiles(overlapping: cov.x, cov.y, cov.width, cov.height)
            self.reader.prefetch(tiles: tiles)
            _ = try Parallel.map(tiles, threads: threads > 0 ? threads : Parallel.defaultThreads) { (tc, tr) in
                let rect = h.tileRect(column: tc, row: tr)
                let grid = PatchGrid(width: rect.width, height: rect.height, patchSize: h.patchSize)
                let maps = try self.tileMaps(column: tc, row: tr, grid: grid, vq: means.vq)
                // The level blocks of this tile inside the view (tiles are whole blocks: f ≤ 8
                // or a span, both dividing the tile size).
                let bx = max(lx, rect.x / f)..<min(lx + lw, (rect.x + rect.width + f - 1) / f)
                let by = max(ly, rect.y / f)..<min(ly + lh, (rect.y + rect.height + f - 1) / f)
                guard !bx.isEmpty, !by.isEmpty else { return }
                let m = Self.blockMeans(maps, grid: grid, rect: rect, blocks: (bx, by), factor: f, means: means, header: h)
                // Each block's plane means become its pixel (Y, Cb, Cr: through the inverse transform).
                func store(_ v: Int, at i: Int) {
                    if wide {
                        out.value.storeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                    } else {
                        out.value.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
                    }
                }
                for (j, y) in by.enumerated() {
                    for (i, x) in bx.enumerated() {
                        let p = (j * bx.count + i) * planes, o = ((y - ly) * lw + (x - lx)) * channels
                        if means.ycbcr {
                            let (r, g, b) = YCbCr.inverse(y: m[p], cb: m[p + 1], cr: m[p + 2])
                            store(Int(r), at: o)
                            store(Int(g), at: o + 1)
                            store(Int(b), at: o + 2)
                            if channels == 4 { store(m[p + 3], at: o + 3) }
                        } else {
                            for ch in 0..<channels { store(m[p + ch], at: o + ch) }
                        }
                    }
                }
            }
        }
        if g.isWholeLevelBlocks { return level }
        let builder = ViewBuilder(geometry: g, format: h.format, metadata: reader.metadata)
        builder.addLevelRows(level, firstRow: ly)
        return builder.image()
    }

    /// The mean of every plane over each level block `blocks` (level columns, rows) of a tile
    /// at `rect` whose index maps are `maps`, block by block, planes interleaved: the block's
    /// side in a plane's samples is q = f·p/span; whole patches when q ≥ p, else one q × q
    /// square of one patch (the sums of such squares are tabled in `means`).
    static func blockMeans(
        _ maps: [[UInt16]], grid: PatchGrid, rect: (x: Int, y: Int, width: Int, height: Int),
        blocks: (x: Range<Int>, y: Range<Int>), factor f: Int, means: PatchMeans, header h: ImageHeader
    ) -> [Int] {
        let p = h.patchSize, planes = h.planeCount
        let scale = LevelScale(h.format)
        var out = [Int](repeating: 0, count: blocks.x.count * blocks.y.count * planes)
        for plane in 0..<planes {
            let s = means.spans[plane], columns = means.vq.planeGrid(grid, plane: plane).columns
            let q = f * p / s
            var qLog = 0
            while 1 << (qLog + 1) <= min(q, p) { qLog += 1 }
            let perSide = p / (1 << qLog)
            let table = means.sums[plane][qLog], map = maps[plane]
            let top = means.sums[plane][0].count / (p * p) - 1
            table.withUnsafeBufferPointer { table in
                map.withUnsafeBufferPointer { map in
                    for (j, by) in blocks.y.enumerated() {
                        // The block's rows in the plane's samples, within the tile.
                        let y0 = by * f, y1 = min(y0 + f, h.height)
                        let sy0 = (y0 - rect.y) * p / s, sy1 = (y1 - rect.y) * p / s
                        for (i, bx) in blocks.x.enumerated() {
                            let x0 = bx * f, x1 = min(x0 + f, h.width)
                            let sx0 = (x0 - rect.x) * p / s, sx1 = (x1 - rect.x) * p / s
                            var sum: UInt64 = 0
                            if q >= p {
                                for py in (sy0 / p)..<(sy1 / p) {
                                    let row = py * columns
                                    for px in (sx0 / p)..<(sx1 / p) { sum &+= UInt64(table[min(Int(map[row + px]), top)]) }
                                }
                            } else {
                                let code = min(Int(map[(sy0 / p) * columns + sx0 / p]), top)
                                sum = UInt64(table[code * perSide * perSide + ((sy0 % p) / q) * perSide + (sx0 % p) / q])
                            }
                            out[(j * blocks.x.count + i) * planes + plane] =
                                Int(scale.mean(sum, samples: (sx1 - sx0) * (sy1 - sy0)))
                        }
                    }
                }
            }
        }
        return out
    }
}
