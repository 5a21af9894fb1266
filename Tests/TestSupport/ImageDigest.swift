import TesseraIO

/// What a source decodes to, summarised: its info, the SHA-256 of the canonical
/// bytes (every band's `PixelBuffer.bytes`, top to bottom) and, when asked, the
/// 8x8 cell means. Reads in bands and never holds the whole image.
public struct ImageDigest: Sendable {
    public var width: Int
    public var height: Int
    public var format: PixelFormat
    public var sha256: String
    public var means: [Double]?
    /// Problems with the banding itself (wrong band width, format, row count).
    public var bandProblems: [String]

    /// Opens `path` with `ImageReader` and reads it in bands of `bandRows` rows.
    public static func read(_ path: String, bandRows: Int, means wantMeans: Bool) throws -> ImageDigest {
        let source = try ImageReader.open(path)
        return try read(source, bandRows: bandRows, means: wantMeans)
    }

    public static func read(_ source: any ImageSource, bandRows: Int, means wantMeans: Bool) throws -> ImageDigest {
        let info = source.info
        let hasher = SHA256()
        let cells = wantMeans ? CellMeans(width: info.width, height: info.height, channels: info.format.channels) : nil
        var problems: [String] = []
        var rows = 0
        while let band = try source.readBand(maxRows: bandRows) {
            if band.width != info.width || band.format != info.format {
                problems.append("band at row \(rows) is \(band.width) wide, \(band.format), not \(info.width), \(info.format)")
                break
            }
            if band.height < 1 || band.height > bandRows {
                problems.append("band at row \(rows) has \(band.height) rows (asked for at most \(bandRows))")
                break
            }
            hasher.update(band.bytes)
            cells?.add(band, y: rows)
            rows += band.height
            if rows > info.height {
                problems.append("bands give more than the \(info.height) rows of the image")
                break
            }
            if source.nextRow != rows {
                problems.append("nextRow is \(source.nextRow) after \(rows) rows")
            }
        }
        if rows != info.height && problems.isEmpty {
            problems.append("bands stop after \(rows) of \(info.height) rows")
        }
        return ImageDigest(
            width: info.width, height: info.height, format: info.format, sha256: hasher.finalizeHex(),
            means: cells?.values, bandProblems: problems)
    }
}
