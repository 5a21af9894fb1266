import TesseraIO
import TesseraSupport

/// Opens a .tess file for random access: three reads (footer, header region,
/// seek index) at open, then one read per tile.
public final class TessReader: Sendable {
    public let path: String
    public let source: any RandomAccessSource
    public let header: ImageHeader
    public let metadata: ImageMetadata
    /// Header chunks after IHDR that this reader knows (CBOK, EMOD, …), by type.
    public let headerChunks: [ChunkType: [UInt8]]
    /// Ancillary chunks that were skipped because this reader does not know them.
    public let skippedChunks: [ChunkType]
    public let index: SeekIndex
    /// The stored resolution levels (Format_Version 2; none in version 1 files).
    public let levelIndex: LevelIndex
    public let footer: Footer
    /// The file's Format_Version.
    public let version: Int

    public convenience init(path: String) throws {
        try self.init(source: FileRandomAccess(path: path), path: path)
    }

    /// Critical header chunk types this reader understands besides IHDR.
    public static let knownCritical: Set<ChunkType> = [.codebook, .packedCodebook, .entropyModels, .residualParameters, .transformParameters]

    public init(source: any RandomAccessSource, path: String) throws {
        self.path = path
        self.source = source
        func fail(_ e: ContainerError) -> TessFileError { TessFileError(path: path, e) }
        let size = source.size
        guard size >= UInt64(TessFormat.fileHeaderSize + TessFormat.footerSize) else {
            throw fail(.malformed("file", "only \(size) bytes: too short to be a .tess file"))
        }
        do {
            let footer = try Footer(
                decoding: try source.read(at: size - UInt64(TessFormat.footerSize), count: TessFormat.footerSize),
                fileSize: size)
            self.footer = footer
            let head = try source.read(at: 0, count: Int(footer.headerLength))
            guard Array(head[0..<8]) == TessFormat.magic else { throw ContainerError.notTessera }
            var r = ByteReader(head, context: "file header")
            _ = try r.raw(8)
            let version = try r.u16()
            let flags = try r.u16()
            let reserved = try r.u32()
            guard version <= TessFormat.version, version >= 1 else {
                throw ContainerError.unsupportedVersion(Int(version))
            }
            guard flags == 0, reserved == 0 else {
                throw ContainerError.unsupportedFeature("file header: reserved bits are set")
            }
            var at = TessFormat.fileHeaderSize
            var header: ImageHeader?
            var metadata = ImageMetadata()
            var chunks: [ChunkType: [UInt8]] = [:]
            var skipped: [ChunkType] = []
            var seenMetadata = false
            while at < head.count {
                let (chunk, used) = try Chunk.decode(head[at...], context: "header")
                at += used
                if header == nil {
                    guard chunk.type == .imageHeader else {
                        throw ContainerError.malformed("header", "the first chunk is \(chunk.type), not IHDR")
                    }
                    header = try ImageHeader(decoding: chunk.payload)
                } else if chunk.type == .metadata, !seenMetadata {
                    metadata = try MetadataChunk.decode(chunk.payload)
                    seenMetadata = true
                } else if Self.knownCritical.contains(chunk.type) {
                    guard chunks[chunk.type] == nil else {
                        throw ContainerError.malformed("header", "two \(chunk.type) chunks")
                    }
                    chunks[chunk.type] = chunk.payload
                } else if chunk.type == .imageHeader || chunk.type == .metadata {
                    throw ContainerError.malformed("header", "a second \(chunk.type) chunk")
                } else if chunk.type.isAncillary {
                    skipped.append(chunk.type)
                } else {
                    throw ContainerError.unsupportedFeature(
                        "unknown critical chunk \(chunk.type): written by a newer tessera?")
                }
            }
            guard let header else { throw ContainerError.malformed("header", "no IHDR chunk") }
            self.header = header
            self.metadata = metadata
            self.headerChunks = chunks
            self.skippedChunks = skipped
            self.version = Int(version)
            let region = try source.read(at: footer.indexOffset, count: Int(footer.indexLength))
            let (indexChunk, used) = try Chunk.decode(region[...], context: "seek index")
            guard indexChunk.type == .seekIndex else {
                throw ContainerError.malformed("seek index", "found a \(indexChunk.type) chunk instead")
            }
            index = try SeekIndex(
                decoding: indexChunk.payload, expectColumns: header.tileColumns, expectRows: header.tileRows,
                tilesStart: UInt64(footer.headerLength), tilesEnd: footer.indexOffset)
            // Version 2: the level index may follow; nothing else may.
            if used < region.count {
                guard version >= 2 else {
                    throw ContainerError.malformed("seek index", "\(region.count - used) bytes follow it in a version 1 file")
                }
                let (chunk, more) = try Chunk.decode(region[used...], context: "level index")
                guard chunk.type == .levelIndex, used + more == region.count else {
                    throw ContainerError.malformed("level index", "the index region holds a \(chunk.type) chunk or trailing bytes")
                }
                levelIndex = try LevelIndex(
                    decoding: chunk.payload, image: header, tilesStart: UInt64(footer.headerLength), tilesEnd: footer.indexOffset)
            } else {
                levelIndex = LevelIndex(levels: [])
            }
        } catch let e as ContainerError {
            throw fail(e)
        }
    }

    /// Tells the source that the payloads of these full-resolution tiles (nil `level`) or
    /// tiles of stored level `levelPosition` are about to be read (a remote source fetches
    /// each run of adjacent tiles in one request).
    public func prefetch(tiles: [(column: Int, row: Int)], levelPosition: Int? = nil) {
        let index = levelPosition.map { levelIndex.levels[$0].index } ?? self.index
        var ranges: [(offset: UInt64, count: Int)] = []
        ranges.reserveCapacity(tiles.count)
        for t in tiles {
            guard t.column >= 0, t.row >= 0, t.column < index.columns, t.row < index.rows else { continue }
            let e = index.entry(column: t.column, row: t.row)
            ranges.append((e.offset, Int(e.length)))
        }
        source.prefetch(ranges)
    }

    /// The coded payload of tile (column, row), checksum verified.
    public func tilePayload(column: Int, row: Int) throws -> ArraySlice<UInt8> {
        guard column >= 0, row >= 0, column < header.tileColumns, row < header.tileRows else {
            throw TessFileError(path: path, problem: .invalidRequest("tile (\(column), \(row)) is outside the image"))
        }
        return try payload(
            at: index.entry(column: column, row: row), type: .tile, fields: [column, row],
            name: { "tile (\($0[0]), \($0[1]))" })
    }

    /// The coded payload of tile (column, row) of stored level `level` (the `position` in
    /// `levelIndex.levels`), checksum verified.
    public func levelTilePayload(position: Int, column: Int, row: Int) throws -> ArraySlice<UInt8> {
        let l = levelIndex.levels[position]
        guard column >= 0, row >= 0, column < l.header.tileColumns, row < l.header.tileRows else {
            throw TessFileError(
                path: path, problem: .invalidRequest("tile (\(column), \(row)) is outside level \(l.level)"))
        }
        return try payload(
            at: l.index.entry(column: column, row: row), type: .levelTile, fields: [l.level, column, row],
            name: { "level \($0[0]) tile (\($0[1]), \($0[2]))" })
    }

    /// The payload after the u32 `fields` of the chunk of `type` that `entry` points at, its
    /// checksum verified and its fields checked against those the index promised; `name` says
    /// which tile a list of fields is.
    private func payload(at entry: SeekIndex.Entry, type: ChunkType, fields: [Int], name: ([Int]) -> String) throws
        -> ArraySlice<UInt8>
    {
        let place = name(fields)
        let bytes = try source.read(at: entry.offset, count: Int(entry.length))
        do {
            let (chunk, used) = try Chunk.decode(bytes[...], context: place)
            guard chunk.type == type, used == bytes.count else {
                throw ContainerError.malformed(place, "the index points at a \(chunk.type) chunk")
            }
            var r = ByteReader(chunk.payload, context: place)
            var found: [Int] = []
            for _ in fields { found.append(Int(try r.u32())) }
            guard found == fields else {
                throw ContainerError.malformed(place, "the chunk says it is \(name(found))")
            }
            return chunk.payload[(4 * fields.count)...]
        } catch let e as ContainerError {
            throw TessFileError(path: path, e)
        }
    }
}
