#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TesseraIO
import TesseraSupport

/// Writes a .tess file front to back: file header, header chunks, tile chunks
/// in raster order, then the seek index and the footer. The file is written
/// under a temporary name and renamed into place by `finish()`.
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

    /// `chunks` are the header chunks after IHDR (meta, CBOK, EMOD, …), in order.
    public init(path: String, header: ImageHeader, chunks: [Chunk]) throws {
        self.path = path
        self.header = header
        output = AtomicOutput(finalPath: path)
        fd = open(output.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw TessFileError(path: path, problem: .writeFailed(String(cString: strerror(errno))))
        }
        entries = Array(repeating: nil, count: header.tileCount)
        var w = ByteWriter(capacity: TessFormat.fileHeaderSize)
        w.append(TessFormat.magic)
        w.u16(TessFormat.version)
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

    /// Writes the seek index and footer, flushes, and renames into place.
    public func finish() throws {
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
        try append(
            Footer(indexOffset: indexOffset, indexLength: UInt32(indexChunk.count), headerLength: UInt32(headerLength))
                .encoded())
        try flush()
        let f = fd
        fd = -1
        guard close(f) == 0 else {
            output.discard()
            throw TessFileError(path: path, problem: .writeFailed(String(cString: strerror(errno))))
        }
        do {
            try output.commit()
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
