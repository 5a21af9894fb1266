import TesseraFormat
import TesseraIO

/// Keeps a few whole tiles, spread evenly over the image, from bands of rows
/// as they stream past: the entropy model is trained on their index maps, so
/// it sees real neighbourhoods without a second read of the image.
final class TileCollector {
    let header: ImageHeader
    /// Selected tile numbers (raster order), ascending.
    let selected: [Int]
    private(set) var tiles: [Int: PixelBuffer] = [:]

    init(header: ImageHeader, count: Int) {
        self.header = header
        let n = header.tileCount
        let m = min(max(count, 1), n)
        // Evenly spaced over the raster order, centred in each stride.
        selected = (0..<m).map { (2 * $0 + 1) * n / (2 * m) }
    }

    /// Copies the parts of selected tiles that `band` (rows y ..< y + band.height) covers.
    func add(y: Int, band: PixelBuffer) {
        let cols = header.tileColumns
        let firstRow = y / header.tileHeight, lastRow = (y + band.height - 1) / header.tileHeight
        for t in selected where t / cols >= firstRow && t / cols <= lastRow {
            let rect = header.tileRect(column: t % cols, row: t / cols)
            var tile = tiles[t] ?? PixelBuffer(width: rect.width, height: rect.height, format: band.format)
            let y0 = max(y, rect.y), y1 = min(y + band.height, rect.y + rect.height)
            guard y1 > y0 else { continue }
            let part = band.cropped(x: rect.x, y: y0 - y, width: rect.width, height: y1 - y0)
            tile.paste(part, x: 0, y: y0 - rect.y)
            tiles[t] = tile
        }
    }

    /// The collected tiles, in raster order.
    var collected: [PixelBuffer] { selected.compactMap { tiles[$0] } }
}
