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

    /// Streams the whole image (or a region) into `sink`: tiles are read and
    /// decoded in parallel and written in order, one row of tiles at a time.
    /// Memory: one band of tile height plus the tiles in flight.
    @discardableResult
    public func decode(
        into sink: any ImageSink, region: (x: Int, y: Int, width: Int, height: Int)? = nil, threads: Int = 0,
        progress: ((_ rowsDone: Int, _ rowsTotal: Int) -> Void)? = nil
    ) throws -> OrderedPipeline.Statistics {
        let r = region ?? (0, 0, header.width, header.height)
        guard r.width > 0, r.height > 0, r.x >= 0, r.y >= 0, r.x + r.width <= header.width,
            r.y + r.height <= header.height
        else {
            throw TessFileError(
                path: path,
                problem: .invalidRequest(
                    "region \(r.x),\(r.y),\(r.width),\(r.height) is not inside the \(header.width)x\(header.height) image"))
        }
        let h = header
        let c0 = r.x / h.tileWidth, c1 = (r.x + r.width - 1) / h.tileWidth
        let r0 = r.y / h.tileHeight, r1 = (r.y + r.height - 1) / h.tileHeight
        let columns = c1 - c0 + 1
        let workers = threads > 0 ? threads : ParallelMap.defaultThreads
        let tileBytes = h.tileWidth * h.tileHeight * h.format.bytesPerPixel
        let inFlight = max(4 * workers, min(2 * columns, (32 << 20) / max(tileBytes, 1)))
        var next = 0
        let total = columns * (r1 - r0 + 1)
        var band: PixelBuffer?
        var bandY = 0
        return try OrderedPipeline.run(
            threads: workers, maxInFlight: inFlight,
            produce: { () -> (Int, Int)? in
                guard next < total else { return nil }
                defer { next += 1 }
                return (c0 + next % columns, r0 + next / columns)
            },
            transform: { (c, row) -> (Int, Int, PixelBuffer) in
                let rect = h.tileRect(column: c, row: row)
                let tile = try self.tile(column: c, row: row)
                let x0 = max(r.x, rect.x), y0 = max(r.y, rect.y)
                let x1 = min(r.x + r.width, rect.x + rect.width), y1 = min(r.y + r.height, rect.y + rect.height)
                let part =
                    (x0 == rect.x && y0 == rect.y && x1 - x0 == rect.width && y1 - y0 == rect.height)
                    ? tile : tile.cropped(x: x0 - rect.x, y: y0 - rect.y, width: x1 - x0, height: y1 - y0)
                return (x0 - r.x, y0, part)
            },
            consume: { (x, y, part) in
                if band == nil {
                    bandY = y
                    band = PixelBuffer(width: r.width, height: part.height, format: h.format)
                }
                band?.paste(part, x: x, y: 0)
                if x + part.width == r.width, let full = band {
                    try sink.write(full)
                    band = nil
                    progress?(bandY + full.height - r.y, r.height)
                }
            })
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
