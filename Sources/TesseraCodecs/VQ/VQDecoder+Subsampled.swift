import TesseraFormat
import TesseraIO

/// Colour transform 3, YCbCr 4:2:0 (docs/FORMAT.md): the chroma planes are coded at half the
/// tile's width and height, each sample the mean of a 2×2 block, and decoded pixels interpolate
/// between the chroma samples around them (weights 9, 3, 3, 1 of 16, as JPEG decoders' "fancy"
/// upsampling does), within the tile so that tiles still decode on their own. Chroma indices
/// then cover 8×8 pixels, a quarter as many.
extension VQDecoder {
    /// The patch grid of plane `plane` of a tile whose luma grid is `grid`.
    public func planeGrid(_ grid: PatchGrid, plane: Int) -> PatchGrid {
        Self.planeGrid(grid, plane: plane, colorTransform: header.colorTransform)
    }

    /// The same, for a file of colour transform `colorTransform`: half size for the chroma of 4:2:0.
    public static func planeGrid(_ grid: PatchGrid, plane: Int, colorTransform: ImageHeader.ColorTransform) -> PatchGrid {
        guard colorTransform == .ycbcr420, plane == 1 || plane == 2 else { return grid }
        return PatchGrid(width: (grid.width + 1) / 2, height: (grid.height + 1) / 2, patchSize: grid.size)
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
            ChromaSubsampling.interpolateChroma(
                s, chroma: chroma, from: (cx0, cy0, cw), columns: columns, rows: rows, into: destination,
                rowBytes: rowBytes, channels: channels)
        }
    }
}
