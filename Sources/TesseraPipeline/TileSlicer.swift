import TesseraFormat
import TesseraIO

/// Cuts a streaming source into tiles in raster order, reading one band of
/// tile height at a time.
final class TileSlicer {
    let source: any ImageSource
    let header: ImageHeader
    let path: String
    private var band: PixelBuffer?
    private var column = 0
    private var row = 0

    init(source: any ImageSource, header: ImageHeader, path: String) {
        self.source = source
        self.header = header
        self.path = path
    }

    /// The next tile, or nil after the last.
    func next() throws -> PixelBuffer? {
        guard row < header.tileRows else { return nil }
        if column == 0 {
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
        }
        guard let band else { return nil }
        let rect = header.tileRect(column: column, row: row)
        let tile = band.cropped(x: rect.x, y: 0, width: rect.width, height: rect.height)
        column += 1
        if column == header.tileColumns {
            column = 0
            row += 1
            self.band = nil
        }
        return tile
    }
}
