import TesseraCodebook
import TesseraCoding
import TesseraFormat
import TesseraIO

/// The decoder of coding mode `vq` (docs/FORMAT.md, "Mode 0"): each plane's index map is one
/// entropy-coded stream; a patch's pixels are its codeword, looked up in a table.
///
/// Each channel is a plane (or, with colour transforms 2 and 3, Y, Cb and Cr are; with 3 the
/// chroma planes are half size, see `VQDecoder+Subsampled`).
public struct VQDecoder: TileDecoder {
    public let header: ImageHeader
    /// Entropy coder of each plane's index maps.
    let coders: [any IndexMapCoding]
    /// Codewords of each plane.
    public let codewordCounts: [Int]
    /// Per plane, every codeword already turned into samples (rounded, clamped, at the image's
    /// depth), so decoding a patch is a table look-up and a copy.
    let sampleTables: [[UInt16]]
    /// The same tables as bytes, for images of at most 8 bits (empty otherwise).
    let byteTables: [[UInt8]]

    /// A decoder from each plane's codewords (on the codebooks' 0–255 scale, `patchSize²`
    /// values each) and index-map coder. The caller (`CodecFactory`, or an encoder) has checked
    /// that they fit the header.
    public init(header: ImageHeader, codewords: [[Float]], coders: [any IndexMapCoding]) {
        precondition(codewords.count == header.planeCount && coders.count == header.planeCount, "one codebook and coder per plane")
        self.header = header
        self.coders = coders
        let d = header.patchSize * header.patchSize
        codewordCounts = codewords.map { $0.count / d }
        let scale = Self.scale(for: header.format)
        let maxValue = Float(header.format.maxValue)
        sampleTables = codewords.map { plane in plane.map { UInt16(min(max($0 / scale, 0), maxValue).rounded()) } }
        byteTables =
            header.format.bytesPerSample == 1 ? sampleTables.map { $0.map { UInt8(truncatingIfNeeded: $0) } } : []
    }

    /// Per plane, the sums of each codeword's decoded samples (as `decode` makes them) over
    /// the q × q squares of its patch (q a power of two up to the patch size), codeword by
    /// codeword, squares in raster order: a block's mean for reduced views without making its
    /// pixels. Index `i` of a map stands for codeword min(i, count − 1), as in `reconstruct`.
    public func codewordSums(square q: Int) -> [[UInt32]] {
        let p = header.patchSize, d = p * p, n = p / q
        return sampleTables.map { table in
            var out = [UInt32](repeating: 0, count: table.count / d * n * n)
            for c in 0..<(table.count / d) {
                for y in 0..<p {
                    for x in 0..<p {
                        out[(c * n + y / q) * n + x / q] += UInt32(table[c * d + y * p + x])
                    }
                }
            }
            return out
        }
    }

    /// Per plane, the side in image pixels of the square one patch of that plane covers: the
    /// patch size, twice it for the half-size chroma planes of colour transform 3 (4:2:0).
    public var planeSpans: [Int] {
        (0..<header.planeCount).map { header.colorTransform == .ycbcr420 && ($0 == 1 || $0 == 2) ? 2 * header.patchSize : header.patchSize }
    }

    /// Multiplier from a stored sample to the codebooks' 0–255 scale (1-bit 0/1 → 0/255, 16-bit
    /// ÷ 257), so one codebook serves images of any depth.
    public static func scale(for format: PixelFormat) -> Float {
        format.bitDepth == 8 ? 1 : 255 / Float(format.maxValue)
    }

    public func decode(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> any DecodedTile
    {
        let grid = PatchGrid(width: width, height: height, patchSize: header.patchSize)
        return VQDecodedTile(decoder: self, grid: grid, maps: try decodeMaps(data, grid: grid, context: context))
    }

    /// Decodes a tile's Tile_Data into the index map of every plane (patches in
    /// raster order): the entropy-decoding half of `decode`, kept apart so that
    /// pixels can be made later, straight into their destination.
    public func decodeMaps(_ data: ArraySlice<UInt8>, grid: PatchGrid, context: String) throws(ContainerError)
        -> [[UInt16]]
    {
        let streams = try TileStreams.decode(data, expected: header.planeCount, context: context)
        var maps: [[UInt16]] = []
        maps.reserveCapacity(streams.count)
        for (plane, s) in streams.enumerated() {
            let g = planeGrid(grid, plane: plane)
            var map = [UInt16](repeating: 0, count: g.count)
            do {
                try map.withUnsafeMutableBufferPointer {
                    try coders[plane].decode(s, width: g.columns, height: g.rows, into: $0)
                }
            } catch {
                throw ContainerError.malformed(context, "index map does not decode (\(error))")
            }
            maps.append(map)
        }
        return maps
    }

    /// Writes the pixels `columns`×`rows` of a tile (tile coordinates) from its
    /// index maps into `destination`, which points at the pixel (columns.lowerBound,
    /// rows.lowerBound) of an image whose rows are `rowBytes` apart. Tiles decoded
    /// by several threads can so fill disjoint parts of one band or region.
    public func reconstruct(
        _ maps: [[UInt16]], grid: PatchGrid, columns: Range<Int>, rows: Range<Int>,
        into destination: UnsafeMutableRawPointer, rowBytes: Int
    ) {
        precondition(maps.count == header.planeCount, "one index map per plane")
        precondition(
            columns.lowerBound >= 0 && columns.upperBound <= grid.width && rows.lowerBound >= 0
                && rows.upperBound <= grid.height, "reconstruct outside the tile")
        guard !columns.isEmpty, !rows.isEmpty else { return }
        if header.colorTransform == .ycbcr420 {
            return reconstructSubsampled(
                maps, grid: grid, columns: columns, rows: rows, into: destination, rowBytes: rowBytes)
        }
        let channels = header.format.channels
        let wide = header.format.bytesPerSample == 2
        for (plane, map) in maps.enumerated() {
            precondition(map.count == grid.count, "index map size")
            map.withUnsafeBufferPointer { m in
                if wide {
                    sampleTables[plane].withUnsafeBufferPointer { t in
                        Self.reconstructWide(
                            map: m, table: t, grid: grid, columns: columns, rows: rows,
                            into: destination + 2 * plane, rowBytes: rowBytes, channels: channels)
                    }
                } else {
                    byteTables[plane].withUnsafeBufferPointer { t in
                        Self.reconstructBytes(
                            map: m, table: t, grid: grid, columns: columns, rows: rows,
                            into: destination + plane, rowBytes: rowBytes, channels: channels)
                    }
                }
            }
        }
        if header.colorTransform == .ycbcr {  // (4:2:0 returned above)
            YCbCr.inverse(
                destination, columns: columns.count, rows: rows.count, rowBytes: rowBytes, channels: channels)
        }
    }

    /// One byte per sample. Output row by output row: within a patch row the
    /// codeword's row of samples is copied whole (one 32-bit move for 4×4 patches).
    static func reconstructBytes(
        map: UnsafeBufferPointer<UInt16>, table: UnsafeBufferPointer<UInt8>, grid: PatchGrid, columns: Range<Int>,
        rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int, channels: Int
    ) {
        guard let mapBase = map.baseAddress, let tableBase = table.baseAddress else { return }
        let p = grid.size, d = p * p, cols = grid.columns
        // Indices are below K (the coder's promise); the clamp keeps a broken promise in bounds.
        let last = table.count / d - 1
        let x0 = columns.lowerBound, x1 = columns.upperBound
        for y in rows {
            let py = y / p
            let m = mapBase + py * cols
            let t = tableBase + (y - py * p) * p
            let out = (destination + (y - rows.lowerBound) * rowBytes).assumingMemoryBound(to: UInt8.self)
            if channels == 1 {
                var x = x0
                // A patch cut by the left edge of the range, sample by sample.
                while x < x1 && x % p != 0 {
                    out[x - x0] = t[min(Int(m[x / p]), last) * d + x % p]
                    x += 1
                }
                if p == 4 {
                    let whole = (x1 - x) >> 2
                    var index = m + (x >> 2)
                    var o = UnsafeMutableRawPointer(out + (x - x0))
                    let row = UnsafeRawPointer(t)
                    for _ in 0..<whole {
                        let word = (row + min(Int(index.pointee), last) &<< 4).loadUnaligned(as: UInt32.self)
                        o.storeBytes(of: word, as: UInt32.self)
                        o += 4
                        index += 1
                    }
                    x += whole << 2
                } else {
                    while x + p <= x1 {
                        let src = t + min(Int(m[x / p]), last) * d
                        let dst = out + (x - x0)
                        for i in 0..<p { dst[i] = src[i] }
                        x += p
                    }
                }
                while x < x1 {
                    out[x - x0] = t[min(Int(m[x / p]), last) * d + x % p]
                    x += 1
                }
            } else {
                // Interleaved channels: this plane's samples are `channels` bytes apart.
                var o = out
                var x = x0
                while x < x1 && x % p != 0 {
                    o[0] = t[min(Int(m[x / p]), last) * d + x % p]
                    o += channels
                    x += 1
                }
                var index = m + x / p
                let c = channels
                if p == 4 {
                    while x + 4 <= x1 {
                        let src = t + min(Int(index.pointee), last) &<< 4
                        o[0] = src[0]
                        o[c] = src[1]
                        o[2 * c] = src[2]
                        o[3 * c] = src[3]
                        o += 4 * c
                        index += 1
                        x += 4
                    }
                } else {
                    while x + p <= x1 {
                        let src = t + min(Int(index.pointee), last) * d
                        for i in 0..<p { o[i * c] = src[i] }
                        o += p * c
                        index += 1
                        x += p
                    }
                }
                while x < x1 {
                    o[0] = t[min(Int(m[x / p]), last) * d + x % p]
                    o += channels
                    x += 1
                }
            }
        }
    }

    /// Two bytes per sample (host order), sample by sample.
    static func reconstructWide(
        map: UnsafeBufferPointer<UInt16>, table: UnsafeBufferPointer<UInt16>, grid: PatchGrid, columns: Range<Int>,
        rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int, channels: Int
    ) {
        guard let mapBase = map.baseAddress, let tableBase = table.baseAddress else { return }
        let p = grid.size, d = p * p, cols = grid.columns
        let last = table.count / d - 1
        for y in rows {
            let py = y / p
            let m = mapBase + py * cols
            let t = tableBase + (y - py * p) * p
            var o = (destination + (y - rows.lowerBound) * rowBytes).assumingMemoryBound(to: UInt8.self)
            for x in columns {
                let v = t[min(Int(m[x / p]), last) * d + x % p]
                o[0] = UInt8(truncatingIfNeeded: v)
                o[1] = UInt8(truncatingIfNeeded: v >> 8)
                o += 2 * channels
            }
        }
    }
}
