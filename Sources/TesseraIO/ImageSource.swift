/// A decoder that yields an image top to bottom in bands of whole rows.
///
/// Memory is bounded by one band plus the decoder's own strip or tile: no
/// source ever holds the whole image (PNG Adam7 interlacing is the one
/// exception, and is refused above `ReadOptions.maxInterlacedBytes`).
public protocol ImageSource: AnyObject {
    /// The file being read, as given by the caller.
    var path: String { get }
    var info: ImageInfo { get }
    /// What the file itself says about its layout, for `tessera probe`.
    var fileDescription: FileDescription { get }
    /// The row the next band starts at (0 before the first read; `height` at the end).
    var nextRow: Int { get }
    /// Decodes up to `maxRows` further rows. Returns `nil` once every row has been read.
    func readBand(maxRows: Int) throws -> PixelBuffer?
    /// Moves past `count` rows (fewer at the end) without handing them out.
    /// Sources that can seek (TIFF strips and tiles, PNM) skip without decoding;
    /// others decode and drop.
    func skipRows(_ count: Int) throws
}

extension ImageSource {
    public func skipRows(_ count: Int) throws {
        var left = min(count, info.height - nextRow)
        while left > 0, let band = try readBand(maxRows: min(left, 256)) { left -= band.height }
    }

    /// Reads every remaining row and hands each band to `body`.
    public func forEachBand(rows: Int, _ body: (_ y: Int, _ band: PixelBuffer) throws -> Void) throws {
        while true {
            let y = nextRow
            guard let band = try readBand(maxRows: rows) else { return }
            try body(y, band)
        }
    }
}
