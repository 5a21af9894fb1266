import Dispatch
import TesseraFormat
import TesseraIO

/// A .tess file opened for decoding: any tile or region on demand, or the
/// whole image streamed to a sink. This is what a viewer or a tile server calls.
///
/// ```swift
/// let image = try TessImage(path: "scan.tess")
/// let crop = try image.region(x: 5000, y: 12000, width: 1024, height: 1024)
/// ```
public final class TessImage: Sendable {
    public let path: String
    public let reader: TessReader
    public let codec: TileCodec

    public convenience init(path: String) throws {
        try self.init(reader: TessReader(path: path))
    }

    /// Opens from any random-access source (a memory map, a range reader, a test's recording reader).
    public convenience init(source: any RandomAccessSource, path: String) throws {
        try self.init(reader: TessReader(source: source, path: path))
    }

    public init(reader: TessReader) throws {
        self.path = reader.path
        self.reader = reader
        do {
            codec = try CodecBinding.makeCodec(reader: reader)
        } catch {
            throw TessFileError(path: reader.path, error)
        }
    }

    public var header: ImageHeader { reader.header }

    /// Width, height, pixel format and metadata of the decoded image.
    public var info: ImageInfo {
        ImageInfo(width: header.width, height: header.height, format: header.format, metadata: reader.metadata)
    }

    /// Decodes tile (column, row); edge tiles come back at their cut size.
    public func tile(column: Int, row: Int) throws -> PixelBuffer {
        let data = try reader.tilePayload(column: column, row: row)
        let rect = header.tileRect(column: column, row: row)
        do {
            return try codec.decode(data, width: rect.width, height: rect.height, context: "tile (\(column), \(row))")
        } catch {
            throw TessFileError(path: path, error)
        }
    }

    /// Decodes the rectangle (x, y, width, height), reading only the tiles that overlap it.
    public func region(x: Int, y: Int, width: Int, height: Int, threads: Int = 0) throws -> PixelBuffer {
        guard width > 0, height > 0, x >= 0, y >= 0, x + width <= header.width, y + height <= header.height else {
            throw TessFileError(
                path: path,
                problem: .invalidRequest(
                    "region \(x),\(y),\(width),\(height) is not inside the \(header.width)x\(header.height) image"))
        }
        let c0 = x / header.tileWidth, c1 = (x + width - 1) / header.tileWidth
        let r0 = y / header.tileHeight, r1 = (y + height - 1) / header.tileHeight
        var tiles: [(Int, Int)] = []
        for r in r0...r1 { for c in c0...c1 { tiles.append((c, r)) } }
        let decoded = try ParallelMap.map(tiles, threads: threads) { try self.tile(column: $0.0, row: $0.1) }
        var out = PixelBuffer(width: width, height: height, format: header.format)
        for (i, (c, r)) in tiles.enumerated() {
            let rect = header.tileRect(column: c, row: r)
            let ix0 = max(x, rect.x), iy0 = max(y, rect.y)
            let ix1 = min(x + width, rect.x + rect.width), iy1 = min(y + height, rect.y + rect.height)
            let part = decoded[i].cropped(x: ix0 - rect.x, y: iy0 - rect.y, width: ix1 - ix0, height: iy1 - iy0)
            out.paste(part, x: ix0 - x, y: iy0 - y)
        }
        return out
    }

    /// Streams the whole image (or a region) into `sink`, one row of tiles at a
    /// time, tiles decoded in parallel. Memory: one row of tiles.
    public func decode(
        into sink: any ImageSink, region: (x: Int, y: Int, width: Int, height: Int)? = nil, threads: Int = 0,
        progress: ((_ rowsDone: Int, _ rowsTotal: Int) -> Void)? = nil
    ) throws {
        let r = region ?? (0, 0, header.width, header.height)
        var y = r.y
        while y < r.y + r.height {
            let tileRow = y / header.tileHeight
            let bandEnd = min((tileRow + 1) * header.tileHeight, r.y + r.height)
            let band = try self.region(x: r.x, y: y, width: r.width, height: bandEnd - y, threads: threads)
            try sink.write(band)
            y = bandEnd
            progress?(y - r.y, r.height)
        }
    }

    /// The outcome of checking every tile.
    public struct Verification: Sendable {
        public var tileCount: Int
        /// Tiles whose checksum fails or that do not decode: (column, row, problem).
        public var damaged: [(column: Int, row: Int, problem: String)]
        public var isWhole: Bool { damaged.isEmpty }
    }

    /// Checks every tile's checksum and decodes it. Never throws for a damaged tile.
    public func verify(threads: Int = 0) -> Verification {
        let all = (0..<header.tileCount).map { ($0 % header.tileColumns, $0 / header.tileColumns) }
        let problems: [String?] =
            (try? ParallelMap.map(all, threads: threads) { (c, r) -> String? in
                do {
                    _ = try self.tile(column: c, row: r)
                    return nil
                } catch let e as TessFileError {
                    if case .container(let ce) = e.problem { return ce.description }
                    return e.description
                } catch {
                    return "\(error)"
                }
            }) ?? []
        var damaged: [(Int, Int, String)] = []
        for (i, p) in problems.enumerated() {
            if let p { damaged.append((all[i].0, all[i].1, p)) }
        }
        return Verification(tileCount: header.tileCount, damaged: damaged)
    }
}
