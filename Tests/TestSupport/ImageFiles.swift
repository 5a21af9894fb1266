import TesseraIO

/// Whole images for tests (small ones only: the library itself never holds a whole image).
public enum ImageFiles {
    /// Every row of the image at `path`, read through the project's reader.
    public static func readAll(_ path: String) throws -> PixelBuffer {
        let source = try ImageReader.open(path)
        var all = PixelBuffer(width: source.info.width, height: source.info.height, format: source.info.format)
        try source.forEachBand(rows: 256) { y, band in all.paste(band, x: 0, y: y) }
        return all
    }
}
