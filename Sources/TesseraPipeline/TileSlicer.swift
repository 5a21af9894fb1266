import TesseraFormat
import TesseraIO

/// Cuts a streaming source into tiles in raster order, reading one band of
/// tile height at a time; from a source that reads any rectangle (raw PNM), a
/// wide band is read a group of tile columns at a time instead, so the buffer
/// held depends on the tile size, not on the image's width.
final class TileSlicer {
    let source: any ImageSource
    let header: ImageHeader
    let path: String
    /// Tile columns read at once from a region-readable source (all of them when
    /// the band fits in `groupBytes`, or when the source reads only bands).
    let groupColumns: Int
    private let regions: (any RegionReadableSource)?
    private var band: PixelBuffer?
    /// The first tile column `band` holds.
    private var bandColumn = 0
    private var column = 0
    private var row = 0

    /// Bytes of pixels read at a time from a region-readable source.
    static let groupBytes = 4 << 20

    init(source: any ImageSource, header: ImageHeader, path: String, groupBytes: Int = TileSlicer.groupBytes) {
        self.source = source
        self.header = header
        self.path = path
        let tileBytes = header.tileWidth * header.tileHeight * header.format.bytesPerPixel
        let group = max(1, groupBytes / max(tileBytes, 1))
        if let r = source as? any RegionReadableSource, r.readsRegions, group < header.tileColumns {
            regions = r
            groupColumns = group
        } else {
            regions = nil
            groupColumns = header.tileColumns
        }
    }

    /// The next tile, or nil after the last.
    func next() throws -> PixelBuffer? {
        guard row < header.tileRows else { return nil }
        if let regions {
            if column == 0 || column - bandColumn >= groupColumns {
                let y = row * header.tileHeight
                let x = column * header.tileWidth
                let last = min(column + groupColumns, header.tileColumns) - 1
                let end = header.tileRect(column: last, row: row)
                band = try regions.readRegion(
                    x: x, y: y, width: end.x + end.width - x, height: min(header.tileHeight, header.height - y))
                bandColumn = column
            }
        } else if column == 0 {
            let y = row * header.tileHeight
            let rows = min(header.tileHeight, header.height - y)
            var assembled: PixelBuffer?
            var filled = 0
            // A reader may hand out fewer rows than asked (its buffer limit): gather a
            // whole band. Only then is a band-sized buffer made here; a full band is
            // taken as it comes, so one band of tile height is all this holds.
            while filled < rows {
                guard let part = try source.readBand(maxRows: rows - filled) else {
                    throw CompressError(path: path, problem: "image data ends at row \(y + filled) of \(header.height)")
                }
                if part.height == rows {
                    assembled = part
                } else {
                    if assembled == nil {
                        assembled = PixelBuffer(width: header.width, height: rows, format: header.format)
                    }
                    assembled?.paste(part, x: 0, y: filled)
                }
                filled += part.height
            }
            band = assembled
            bandColumn = 0
        }
        guard let band else { return nil }
        let rect = header.tileRect(column: column, row: row)
        let tile = band.cropped(
            x: rect.x - bandColumn * header.tileWidth, y: 0, width: rect.width, height: rect.height)
        column += 1
        if column == header.tileColumns {
            column = 0
            row += 1
            self.band = nil
        }
        return tile
    }
}
