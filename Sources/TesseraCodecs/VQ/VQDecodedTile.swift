import TesseraIO

/// A tile of mode `vq` entropy-decoded: the index map of every plane. Its pixels are made
/// where they are written, a table look-up per patch.
struct VQDecodedTile: DecodedTile {
    let decoder: VQDecoder
    let grid: PatchGrid
    /// Per plane, the codeword index of every patch in raster order.
    let maps: [[UInt16]]

    var width: Int { grid.width }
    var height: Int { grid.height }
    var format: PixelFormat { decoder.header.format }

    func write(columns: Range<Int>, rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int) {
        decoder.reconstruct(maps, grid: grid, columns: columns, rows: rows, into: destination, rowBytes: rowBytes)
    }
}
