/// A view of a source that shows only some of its bands: every `stride`-th
/// band of `bandHeight` rows, stacked into a shorter image. The rows between
/// are skipped, which for TIFF and PNM costs no decoding at all, so a cheap
/// training sample can be drawn from across a huge image.
public final class BandSubsetSource: ImageSource {
    public let base: any ImageSource
    public let bandHeight: Int
    public let stride: Int
    public let info: ImageInfo
    public var path: String { base.path }
    public var fileDescription: FileDescription { base.fileDescription }
    public private(set) var nextRow = 0

    /// Bands 0, stride, 2·stride, … of `base`, each `bandHeight` rows (the last may be shorter).
    public init(_ base: any ImageSource, bandHeight: Int, stride: Int) {
        precondition(bandHeight > 0 && stride > 0 && base.nextRow == 0)
        self.base = base
        self.bandHeight = bandHeight
        self.stride = stride
        let bands = (base.info.height + bandHeight - 1) / bandHeight
        var rows = 0
        for b in Swift.stride(from: 0, to: bands, by: stride) {
            rows += min(bandHeight, base.info.height - b * bandHeight)
        }
        var info = base.info
        info.height = rows
        self.info = info
    }

    /// The row of `base` that row `row` of this view shows.
    public func baseRow(_ row: Int) -> Int {
        (row / bandHeight) * stride * bandHeight + row % bandHeight
    }

    public func readBand(maxRows: Int) throws -> PixelBuffer? {
        guard nextRow < info.height else { return nil }
        let target = baseRow(nextRow)
        if base.nextRow < target { try base.skipRows(target - base.nextRow) }
        // Never cross the end of the current band.
        let inBand = bandHeight - nextRow % bandHeight
        let want = min(max(maxRows, 1), inBand, info.height - nextRow)
        guard let band = try base.readBand(maxRows: want) else {
            throw ImageIOError.malformed(path: path, detail: "image data ends at row \(target)")
        }
        nextRow += band.height
        return band
    }
}
