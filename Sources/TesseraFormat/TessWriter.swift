#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TesseraIO
import TesseraSupport

/// Writes a .tess file front to back: file header, header chunks, tile chunks
/// in raster order (with the tiles of stored resolution levels, LTIL chunks, among or
/// after them), then the seek index, the level index when there are levels, and the
/// footer. The file is written under a temporary name and renamed into place by `finish()`.
public final class TessWriter {
    public let path: String
    public let header: ImageHeader
    private let output: AtomicOutput
    private var fd: Int32
    private var offset: UInt64 = 0
    private var headerLength: UInt64 = 0
    private var entries: [SeekIndex.Entry?]
    private var nextTile = 0
    private var pending: [UInt8] = []
    private let version: UInt16
    /// Where each stored level's tiles are, by level: (column, row) → entry.
    private var levelEntries: [Int: [Int: SeekIndex.Entry]] = [:]

    /// The name the file was given by `finish`: `path`, or with `alternatives` the first of
    /// them free.
    public private(set) var committedPath: String
    private let alternatives: [String]?

    /// `chunks` are the header chunks after IHDR (meta, CBOK, EMOD, …), in order. `levels`:
    /// whether resolution levels will be stored (the file is then Format_Version 2, else 1).
    /// `alternatives` (nil: `path` is replaced if it exists): never replace a file, but take the
    /// first of `path` and these names that is free, and fail when none is.
    public init(
        path: String, header: ImageHeader, chunks: [Chunk], levels: Bool = false, alternatives: [String]? = nil
    ) throws {
        self.path = path
        self.header = header
        committedPath = path
        self.alternatives = alternatives
        version = levels ? TessFormat.version : 1
        output = AtomicOutput(finalPath: path)
        fd = open(output.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw TessFileError(path: path, problem: .writeFailed(String(cString: strerror(errno))))
        }
        entries = Array(repeating: nil, count: header.tileCount)
        var w = ByteWriter(capacity: TessFormat.fileHeaderSize)
        w.append(TessFormat.magic)
        w.u16(version)
        w.u16(0)  // File_Flags: reserved
        w.u32(0)  // reserved
        try append(w.bytes)
        try append(Chunk(type: .imageHeader, payload: header.encoded()).encoded())
        for c in chunks { try append(c.encoded()) }
        headerLength = offset
    }

    deinit { abort() }

    /// Bytes written so far.
    public var bytesWritten: UInt64 { offset }

    /// Appends the next tile in raster order. `payload` is the tile's coded data
    /// (the writer prefixes Tile_Column and Tile_Row).
    public func appendTile(_ payload: [UInt8]) throws {
        guard nextTile < entries.count else {
            throw TessFileError(path: path, problem: .invalidRequest("more tiles than the image has"))
        }
        let column = nextTile % header.tileColumns, row = nextTile / header.tileColumns
        var w = ByteWriter(capacity: payload.count + 8)
        w.u32(UInt32(column))
        w.u32(UInt32(row))
        w.append(payload)
        let chunk = Chunk(type: .tile, payload: w.bytes).encoded()
        entries[nextTile] = SeekIndex.Entry(offset: offset, length: UInt32(chunk.count))
        try append(chunk)
        nextTile += 1
    }

    /// Appends tile (column, row) of stored level `level` whose header is `levelHeader`, in
    /// any order; `finish(levels:)` checks that every tile of every level came.
    public func appendLevelTile(level: Int, header levelHeader: ImageHeader, column: Int, row: Int, payload: [UInt8])
        throws
    {
        guard version >= 2, column < levelHeader.tileColumns, row < levelHeader.tileRows,
            levelEntries[level]?[row * levelHeader.tileColumns + column] == nil
        else {
            throw TessFileError(
                path: path, problem: .invalidRequest("level \(level) tile (\(column), \(row)) is unexpected here"))
        }
        var w = ByteWriter(capacity: payload.count + 12)
        w.u32(UInt32(level))
        w.u32(UInt32(column))
        w.u32(UInt32(row))
        w.append(payload)
        let chunk = Chunk(type: .levelTile, payload: w.bytes).encoded()
        levelEntries[level, default: [:]][row * levelHeader.tileColumns + column] = SeekIndex.Entry(
            offset: offset, length: UInt32(chunk.count))
        try append(chunk)
    }

    /// A stored level as `finish(levels:)` needs it: its number, header and parameter chunks.
    public struct StoredLevel {
        public var level: Int
        public var header: ImageHeader
        public var chunks: [Chunk]
        public init(level: Int, header: ImageHeader, chunks: [Chunk]) {
            self.level = level
            self.header = header
            self.chunks = chunks
        }
    }

    /// Writes the seek index (and the level index of `levels`, every tile of which must have
    /// been appended) and the footer, flushes, and renames into place.
    public func finish(levels: [StoredLevel] = []) throws {
        var levelIndex: [LevelIndex.Level] = []
        for l in levels {
            let got = levelEntries[l.level] ?? [:]
            guard got.count == l.header.tileCount else {
                abort()
                throw TessFileError(
                    path: path,
                    problem: .writeFailed("only \(got.count) of level \(l.level)'s \(l.header.tileCount) tiles were written"))
            }
            let entries = (0..<l.header.tileCount).map { got[$0]! }
            levelIndex.append(
                LevelIndex.Level(
                    level: l.level, header: l.header,
                    chunks: Dictionary(uniqueKeysWithValues: l.chunks.map { ($0.type, $0.payload) }),
                    index: SeekIndex(columns: l.header.tileColumns, rows: l.header.tileRows, entries: entries)))
        }
        guard nextTile == entries.count else {
            abort()
            throw TessFileError(
                path: path, problem: .writeFailed("only \(nextTile) of \(entries.count) tiles were written"))
        }
        let index = SeekIndex(
            columns: header.tileColumns, rows: header.tileRows, entries: entries.compactMap { $0 })
        let indexChunk = Chunk(type: .seekIndex, payload: index.encoded()).encoded()
        let indexOffset = offset
        try append(indexChunk)
        if !levelIndex.isEmpty {
            try append(Chunk(type: .levelIndex, payload: LevelIndex(levels: levelIndex).encoded()).encoded())
        }
        try append(
            Footer(indexOffset: indexOffset, indexLength: UInt32(offset - indexOffset), headerLength: UInt32(headerLength))
                .encoded())
        try flush()
        let f = fd
        fd = -1
        guard close(f) == 0 else {
            output.discard()
            throw TessFileError(path: path, problem: .writeFailed(String(cString: strerror(errno))))
        }
        do {
            if let alternatives {
                committedPath = try output.commit(firstFreeOf: [path] + alternatives)
            } else {
                try output.commit()
            }
        } catch let e as ImageIOError {
            throw TessFileError(path: path, problem: .writeFailed(e.description))
        }
    }

    /// Gives up: removes the temporary file. Safe to call more than once.
    public func abort() {
        if fd >= 0 {
            close(fd)
            fd = -1
            output.discard()
        }
    }

    private func append(_ bytes: [UInt8]) throws {
        pending.append(contentsOf: bytes)
        offset += UInt64(bytes.count)
        if pending.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        var done = 0
        let count = pending.count
        try pending.withUnsafeBytes { buf in
            while done < count {
                let n = write(fd, buf.baseAddress! + done, count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    let reason = String(cString: strerror(errno))
                    abort()
                    throw TessFileError(path: path, problem: .writeFailed(reason))
                }
                done += n
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}
