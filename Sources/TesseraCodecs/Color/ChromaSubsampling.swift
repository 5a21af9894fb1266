import TesseraIO

/// The chroma planes of YCbCr 4:2:0 (colour transform 3, docs/FORMAT.md), shared by the lossy
/// modes: halving a plane (the rounded mean of each 2×2 block, blocks cut by the edge averaging
/// the samples they have) and the decoder's interpolation back to full size (weights 9, 3, 3, 1
/// of 16, as JPEG decoders' "fancy" upsampling does), within the tile so that tiles decode on
/// their own.
enum ChromaSubsampling {
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
