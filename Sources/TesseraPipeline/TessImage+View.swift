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
        let coarsest = LevelPlan.coarsest(
            width: h.width, height: h.height, tileWidth: h.tileWidth, tileHeight: h.tileHeight)
        return (0...coarsest).map { k in
            let f = 1 << k
            let w = (h.width + f - 1) / f, ht = (h.height + f - 1) / f
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
        let f = 1 << level
        let l = (width: (header.width + f - 1) / f, height: (header.height + f - 1) / f)
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
        let l = storedLevels[position]
        let data = try reader.levelTilePayload(position: position, column: column, row: row)
        let rect = l.header.tileRect(column: column, row: row)
        do {
            return try l.decoder.decode(
                data, width: rect.width, height: rect.height, context: "level \(l.level) tile (\(column), \(row))"
            ).pixels()
        } catch {
            throw TessFileError(path: path, error)
        }
    }

    /// The rectangle (x, y, width, height) of `storedLevels[position]`, from the tiles under it.
    func storedLevelRegion(position: Int, x: Int, y: Int, width: Int, height: Int, threads: Int) throws -> PixelBuffer {
        let h = storedLevels[position].header
        let c0 = x / h.tileWidth, c1 = (x + width - 1) / h.tileWidth
        let r0 = y / h.tileHeight, r1 = (y + height - 1) / h.tileHeight
        var tiles: [(Int, Int)] = []
        for r in r0...r1 { for c in c0...c1 { tiles.append((c, r)) } }
        // Level tiles are transform or residual coded: a few ms each, worth a second thread.
        let decoded = try Parallel.map(tiles, threads: threads) { (c, r) in
            (c, r, try self.storedLevelTile(position: position, column: c, row: r))
        }
        var out = PixelBuffer(width: width, height: height, format: h.format)
        for (c, r, tile) in decoded {
            let rect = h.tileRect(column: c, row: r)
            let x0 = max(x, rect.x), x1 = min(x + width, rect.x + rect.width)
            let y0 = max(y, rect.y), y1 = min(y + height, rect.y + rect.height)
            out.paste(
                tile.cropped(x: x0 - rect.x, y: y0 - rect.y, width: x1 - x0, height: y1 - y0), x: x0 - x, y: y0 - y)
        }
        return out
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
            let f = g.factor, c = g.covered
            let lx = c.x / f, ly = c.y / f
            let lw = (c.x + c.width + f - 1) / f - lx, lh = (c.y + c.height + f - 1) / f - ly
            let pixels: PixelBuffer
            do {
                pixels = try storedLevelRegion(position: position, x: lx, y: ly, width: lw, height: lh, threads: threads)
            } catch let e as TessFileError {
                if case .invalidRequest = e.problem { throw e }
                cap = g.level - 1  // damaged: the next finer level
                continue
            }
            // The region is whole level blocks at the level's own size: the level's pixels as they are.
            if g.isWholeLevelBlocks { return pixels }
            let builder = ViewBuilder(geometry: g, format: header.format, metadata: reader.metadata)
            builder.addLevelRows(pixels, firstRow: ly)
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
    /// one patch when the block is smaller than a patch of that plane, so no pixel is made. Planes that are the channels give the same level pixels as the
    /// decoded image; Y, Cb, Cr planes give the RGB of the block's Y, Cb and Cr means
    /// (docs/FORMAT.md, "Resolution levels").
    func fromPatchSums(_ g: ViewGeometry, means: PatchMeans, threads: Int) throws -> PixelBuffer {
        guard let vq = decoder as? VQDecoder else { return try fromFullResolution(g, threads: threads) }
        let h = header, f = g.factor, p = h.patchSize, channels = h.format.channels, planes = h.planeCount
        let cov = g.covered
        let lx = cov.x / f, ly = cov.y / f
        let lw = (cov.x + cov.width + f - 1) / f - lx, lh = (cov.y + cov.height + f - 1) / f - ly
        let format = LevelPlan.levelFormat(h.format)
        let (num, den): (UInt64, UInt64) = h.format.bitDepth < 8 ? (255, UInt64(h.format.maxValue)) : (1, 1)
        let c0 = cov.x / h.tileWidth, c1 = (cov.x + cov.width - 1) / h.tileWidth
        let r0 = cov.y / h.tileHeight, r1 = (cov.y + cov.height - 1) / h.tileHeight
        var tiles: [(Int, Int)] = []
        for r in r0...r1 { for c in c0...c1 { tiles.append((c, r)) } }
        let sums = means.sums, spans = means.spans, ycbcr = means.ycbcr
        let last = sums.map { $0[0].count / (p * p) - 1 }
        var level = PixelBuffer(width: lw, height: lh, format: format)
        let wide = format.bytesPerSample == 2
        try level.bytes.withUnsafeMutableBytes { raw in
            let out = UncheckedSendable(raw.baseAddress!)
            _ = try Parallel.map(tiles, threads: threads > 0 ? threads : Parallel.defaultThreads) { (tc, tr) in
                let rect = h.tileRect(column: tc, row: tr)
                let grid = PatchGrid(width: rect.width, height: rect.height, patchSize: p)
                let data = try self.reader.tilePayload(column: tc, row: tr)
                let maps: [[UInt16]]
                do throws(ContainerError) {
                    maps = try vq.decodeMaps(data, grid: grid, context: "tile (\(tc), \(tr))")
                } catch {
                    throw TessFileError(path: self.path, error)
                }
                // The level blocks of this tile inside the view (tiles are whole blocks: f ≤ 8
                // or a span, both dividing the tile size).
                let bx0 = max(lx, rect.x / f), bx1 = min(lx + lw, (rect.x + rect.width + f - 1) / f)
                let by0 = max(ly, rect.y / f), by1 = min(ly + lh, (rect.y + rect.height + f - 1) / f)
                guard bx1 > bx0, by1 > by0 else { return }
                // Each plane's block means, then (Y, Cb, Cr) the pixel.
                var planeMeans = [Int](repeating: 0, count: (bx1 - bx0) * (by1 - by0) * planes)
                planeMeans.withUnsafeMutableBufferPointer { planeMeans in
                for plane in 0..<planes {
                    // The block's side in the plane's samples: q; whole patches when q ≥ p, else
                    // one q × q square of one patch (the sums of such squares are tabled).
                    let s = spans[plane], columns = vq.planeGrid(grid, plane: plane).columns
                    let q = f * p / s
                    var qLog = 0
                    while 1 << (qLog + 1) <= min(q, p) { qLog += 1 }
                    let perSide = p / (1 << qLog)
                    maps[plane].withUnsafeBufferPointer { map in
                        sums[plane][qLog].withUnsafeBufferPointer { table in
                            let top = last[plane]
                            for by in by0..<by1 {
                                let y0 = by * f, y1 = min(y0 + f, h.height)
                                // The block's rows in the plane's samples, within the tile.
                                let sy0 = (y0 - rect.y) * p / s, sy1 = (y1 - rect.y) * p / s
                                for bx in bx0..<bx1 {
                                    let x0 = bx * f, x1 = min(x0 + f, h.width)
                                    let sx0 = (x0 - rect.x) * p / s, sx1 = (x1 - rect.x) * p / s
                                    var sum: UInt64 = 0
                                    if q >= p {
                                        for py in (sy0 / p)..<(sy1 / p) {
                                            let row = py * columns
                                            for px in (sx0 / p)..<(sx1 / p) {
                                                sum &+= UInt64(table[min(Int(map[row + px]), top)])
                                            }
                                        }
                                    } else {
                                        let code = min(Int(map[(sy0 / p) * columns + sx0 / p]), top)
                                        let square = ((sy0 % p) / q) * perSide + (sx0 % p) / q
                                        sum = UInt64(table[code * perSide * perSide + square])
                                    }
                                    let count = UInt64((sx1 - sx0) * (sy1 - sy0)) * den
                                    // Whole blocks have a power-of-two count: a shift, not a division.
                                    let mean =
                                        count & (count - 1) == 0
                                        ? (sum * num + count / 2) >> UInt64(count.trailingZeroBitCount)
                                        : (sum * num + count / 2) / count
                                    planeMeans[((by - by0) * (bx1 - bx0) + (bx - bx0)) * planes + plane] = Int(mean)
                                }
                            }
                        }
                    }
                }
                }
                for by in by0..<by1 {
                    for bx in bx0..<bx1 {
                        let m = ((by - by0) * (bx1 - bx0) + (bx - bx0)) * planes
                        let i = ((by - ly) * lw + (bx - lx)) * channels
                        if ycbcr {
                            let (r, g, b) = YCbCr.inverse(y: planeMeans[m], cb: planeMeans[m + 1], cr: planeMeans[m + 2])
                            out.value.storeBytes(of: r, toByteOffset: i, as: UInt8.self)
                            out.value.storeBytes(of: g, toByteOffset: i + 1, as: UInt8.self)
                            out.value.storeBytes(of: b, toByteOffset: i + 2, as: UInt8.self)
                            if channels == 4 {
                                out.value.storeBytes(of: UInt8(truncatingIfNeeded: planeMeans[m + 3]), toByteOffset: i + 3, as: UInt8.self)
                            }
                        } else {
                            for ch in 0..<channels {
                                let v = planeMeans[m + ch]
                                if wide {
                                    out.value.storeBytes(
                                        of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: 2 * (i + ch), as: UInt16.self)
                                } else {
                                    out.value.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i + ch, as: UInt8.self)
                                }
                            }
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
}
