/// Where every tile chunk lies in the file, tiles in raster order.
/// Payload of the SIDX chunk: Tile_Columns u32, Tile_Rows u32, then per tile
/// Tile_Offset u64 (start of its chunk envelope) and Tile_Length u32 (whole envelope).
public struct SeekIndex: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var offset: UInt64
        public var length: UInt32
    }

    public var columns: Int
    public var rows: Int
    public var entries: [Entry]

    public static let entrySize = 12

    public init(columns: Int, rows: Int, entries: [Entry]) {
        self.columns = columns
        self.rows = rows
        self.entries = entries
    }

    public func entry(column: Int, row: Int) -> Entry { entries[row * columns + column] }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 8 + entries.count * Self.entrySize)
        w.u32(UInt32(columns))
        w.u32(UInt32(rows))
        for e in entries {
            w.u64(e.offset)
            w.u32(e.length)
        }
        return w.bytes
    }

    /// Parses and checks the index against the header's tile grid and the
    /// region of the file where tiles may lie (`tilesStart..<tilesEnd`).
    public init(
        decoding bytes: [UInt8], expectColumns: Int, expectRows: Int, tilesStart: UInt64, tilesEnd: UInt64
    ) throws(ContainerError) {
        var r = ByteReader(bytes, context: "seek index")
        columns = Int(try r.u32())
        rows = Int(try r.u32())
        guard columns == expectColumns, rows == expectRows else {
            throw ContainerError.malformed(
                "seek index", "describes \(columns)x\(rows) tiles, the header \(expectColumns)x\(expectRows)")
        }
        let count = columns * rows
        guard r.remaining == count * Self.entrySize else {
            throw ContainerError.malformed("seek index", "size does not match \(count) tiles")
        }
        var list: [Entry] = []
        list.reserveCapacity(count)
        for i in 0..<count {
            let offset = try r.u64()
            let length = try r.u32()
            guard length >= UInt32(TessFormat.chunkOverhead), offset >= tilesStart,
                offset <= tilesEnd, UInt64(length) <= tilesEnd - offset
            else {
                throw ContainerError.malformed(
                    "seek index", "tile (\(i % columns), \(i / columns)) points outside the file")
            }
            list.append(Entry(offset: offset, length: length))
        }
        entries = list
    }
}
