import TesseraCodebook
import TesseraFormat
import TesseraIO

/// Colour transform 3, YCbCr 4:2:0 (docs/FORMAT.md): the chroma planes are coded at half the
/// tile's width and height, each sample the mean of a 2×2 block, and decoded pixels interpolate
/// between the chroma samples around them (weights 9, 3, 3, 1 of 16, as JPEG decoders' "fancy"
/// upsampling does), within the tile so that tiles still decode on their own. Chroma indices
/// then cover 8×8 pixels, a quarter as many.
extension TileCodec {
    /// The patch grid of plane `plane` of a tile whose luma grid is `grid`.
    public func planeGrid(_ grid: PatchGrid, plane: Int) -> PatchGrid {
        Self.planeGrid(grid, plane: plane, colorTransform: header.colorTransform)
    }

    /// The same, for a file of colour transform `colorTransform`: half size for the chroma of 4:2:0.
    public static func planeGrid(_ grid: PatchGrid, plane: Int, colorTransform: ImageHeader.ColorTransform) -> PatchGrid {
        guard colorTransform == .ycbcr420, plane == 1 || plane == 2 else { return grid }
        return PatchGrid(width: (grid.width + 1) / 2, height: (grid.height + 1) / 2, patchSize: grid.size)
    }

    /// Channel `channel` of an 8-bit `tile` as a grey buffer, halved in both directions when
    /// `halve`: each sample the rounded mean of its 2×2 block (blocks cut by the edge average
    /// the samples they have), exactly as `ChromaHalfSource` does for whole images.
    static func planeBuffer(_ tile: PixelBuffer, channel: Int, halve: Bool) -> PixelBuffer {
        let channels = tile.format.channels, w = tile.width, h = tile.height
        let grey = PixelFormat(colorModel: .grey, bitDepth: 8)
        guard halve else {
            return PixelBuffer(
                width: w, height: h, format: grey, bytes: (0..<(w * h)).map { tile.bytes[$0 * channels + channel] })
        }
        let hw = (w + 1) / 2, hh = (h + 1) / 2
        var out = [UInt8](repeating: 0, count: hw * hh)
        tile.bytes.withUnsafeBufferPointer { p in
            for y in 0..<hh {
                for x in 0..<hw {
                    out[y * hw + x] = halfMean(x: x, y: y, width: w, height: h) { Int(p[($0 * w + $1) * channels + channel]) }
                }
            }
        }
        return PixelBuffer(width: hw, height: hh, format: grey, bytes: out)
    }

    /// The rounded mean of the 2×2 block of half-size sample (x, y) of a `width × height`
    /// plane, `sample(row, column)` giving the plane's samples; a block cut by the plane's edge
    /// averages the samples it has.
    @inline(__always)
    static func halfMean(x: Int, y: Int, width: Int, height: Int, _ sample: (Int, Int) -> Int) -> UInt8 {
        let x0 = 2 * x, y0 = 2 * y
        let right = x0 + 1 < width, below = y0 + 1 < height
        var sum = sample(y0, x0), count = 1
        if right { sum += sample(y0, x0 + 1); count += 1 }
        if below { sum += sample(y0 + 1, x0); count += 1 }
        if right && below { sum += sample(y0 + 1, x0 + 1); count += 1 }
        return UInt8((sum + count / 2) / count)
    }

    /// The index maps of a full-resolution Y, Cb, Cr (alpha) tile, chroma halved first.
    func quantiseSubsampled(_ tile: PixelBuffer) -> [[UInt16]] {
        guard
            let layout = try? PatchLayout(patchSize: header.patchSize, channelCount: 1, planeLayout: .perPlane),
            let extractor = try? PatchExtractor(layout: layout, format: PixelFormat(colorModel: .grey, bitDepth: 8))
        else { preconditionFailure("a validated header always has a patch layout") }
        return (0..<header.planeCount).map { plane in
            let buffer = Self.planeBuffer(tile, channel: plane, halve: plane == 1 || plane == 2)
            let grid = PatchGrid(width: buffer.width, height: buffer.height, patchSize: header.patchSize)
            let d = grid.dimension
            var patches = [Float](repeating: 0, count: grid.count * d)
            patches.withUnsafeMutableBufferPointer { out in
                buffer.bytes.withUnsafeBytes { rows in
                    guard let base = out.baseAddress else { return }
                    for i in 0..<grid.count {
                        extractor.extract(
                            rows: rows, width: buffer.width, rowCount: buffer.height, x: (i % grid.columns) * grid.size,
                            row0: (i / grid.columns) * grid.size, into: base + i * d, vectorStride: d)
                    }
                }
            }
            return patches.withUnsafeBufferPointer { search($0, count: grid.count, plane: plane) }
        }
    }

    /// `reconstruct` for 4:2:0: luma and alpha straight into place, the chroma samples the range
    /// needs (one more on every side, within the tile) into a small buffer, then in one pass per
    /// pixel: chroma interpolated and the pixel turned back into RGB.
    func reconstructSubsampled(
        _ maps: [[UInt16]], grid: PatchGrid, columns: Range<Int>, rows: Range<Int>,
        into destination: UnsafeMutableRawPointer, rowBytes: Int
    ) {
        let channels = header.format.channels
        for plane in [0, 3] where plane < header.planeCount {
            maps[plane].withUnsafeBufferPointer { m in
                byteTables[plane].withUnsafeBufferPointer { t in
                    Self.reconstructBytes(
                        map: m, table: t, grid: grid, columns: columns, rows: rows, into: destination + plane,
                        rowBytes: rowBytes, channels: channels)
                }
            }
        }
        let chroma = planeGrid(grid, plane: 1)
        let cx0 = max(0, columns.lowerBound / 2 - 1), cx1 = min(chroma.width, (columns.upperBound + 1) / 2 + 1)
        let cy0 = max(0, rows.lowerBound / 2 - 1), cy1 = min(chroma.height, (rows.upperBound + 1) / 2 + 1)
        let cw = cx1 - cx0
        let count = cw * (cy1 - cy0)
        // Both chroma planes' samples for the range, Cb then Cr.
        var samples = [UInt8](repeating: 0, count: 2 * count)
        samples.withUnsafeMutableBytes { s in
            guard let base = s.baseAddress else { return }
            for plane in 1...2 {
                precondition(maps[plane].count == chroma.count, "index map size")
                maps[plane].withUnsafeBufferPointer { m in
                    byteTables[plane].withUnsafeBufferPointer { t in
                        Self.reconstructBytes(
                            map: m, table: t, grid: chroma, columns: cx0..<cx1, rows: cy0..<cy1,
                            into: base + (plane - 1) * count, rowBytes: cw, channels: 1)
                    }
                }
            }
        }
        samples.withUnsafeBufferPointer { s in
            Self.interpolateChroma(
                s, chroma: chroma, from: (cx0, cy0, cw), columns: columns, rows: rows, into: destination,
                rowBytes: rowBytes, channels: channels)
        }
    }

    /// Pixels `columns`×`rows` of a tile whose luma is in place in `destination` (rows
    /// `rowBytes` apart, `channels` per pixel): chroma interpolated from `samples` (the Cb
    /// samples of chroma columns x0 ..< x0 + width and the rows the range needs, then as many
    /// Cr samples; `chroma` is the whole chroma plane's grid) and the pixels turned back into RGB.
    static func interpolateChroma(
        _ samples: UnsafeBufferPointer<UInt8>, chroma: PatchGrid, from origin: (x: Int, y: Int, width: Int),
        columns: Range<Int>, rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int, channels: Int
    ) {
        let (cx0, cy0, cw) = origin
        let count = samples.count / 2
        let lastX = chroma.width - 1, lastY = chroma.height - 1
        // Per output column, the nearer chroma sample (weight 3) and the other one around it (1).
        let nearX = columns.map { $0 / 2 - cx0 }
        let farX = columns.map { x in (x & 1 == 1 ? min(x / 2 + 1, lastX) : max(x / 2 - 1, 0)) - cx0 }
        let t = YCbCr.tables
        guard let cb = samples.baseAddress else { return }
        let cr = cb + count
        t.red.withUnsafeBufferPointer { red in
            t.greenCb.withUnsafeBufferPointer { greenCb in
                t.greenCr.withUnsafeBufferPointer { greenCr in
                    t.blue.withUnsafeBufferPointer { blue in
                        for (i, y) in rows.enumerated() {
                            let j = y / 2, nj = y & 1 == 1 ? min(j + 1, lastY) : max(j - 1, 0)
                            let near = (j - cy0) * cw, far = (nj - cy0) * cw
                            var o = (destination + i * rowBytes).assumingMemoryBound(to: UInt8.self)
                            for c in 0..<nearX.count {
                                let a = near + nearX[c], b = near + farX[c], e = far + nearX[c], f = far + farX[c]
                                let u = (9 * Int(cb[a]) + 3 * Int(cb[b]) + 3 * Int(cb[e]) + Int(cb[f]) + 8) >> 4
                                let v = (9 * Int(cr[a]) + 3 * Int(cr[b]) + 3 * Int(cr[e]) + Int(cr[f]) + 8) >> 4
                                let luma = Int32(o[0])
                                o[0] = UInt8(clamping: luma + red[v])
                                o[1] = UInt8(clamping: luma + ((greenCb[u] + greenCr[v]) >> 16))
                                o[2] = UInt8(clamping: luma + blue[u])
                                o += channels
                            }
                        }
                    }
                }
            }
        }
    }
}
