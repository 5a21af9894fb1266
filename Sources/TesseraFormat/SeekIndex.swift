import TesseraSupport
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
        // One pass over the raw entries (a 4-gigapixel image has 65536 of them,
        // and a region decode opens the file cold): plain loads, then the checks.
        let minimumLength = UInt64(TessFormat.chunkOverhead)
        var firstBad = -1
        let list = bytes.withUnsafeBytes { raw -> [Entry] in
            [Entry](unsafeUninitializedCapacity: count) { out, made in
                made = 0
                for i in 0..<count {
                    let at = 8 + i * Self.entrySize
                    let offset = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                    let length = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self))
                    guard UInt64(length) >= minimumLength, offset >= tilesStart, offset <= tilesEnd,
                        UInt64(length) <= tilesEnd - offset
                    else {
                        firstBad = i
                        return
                    }
                    out[i] = Entry(offset: offset, length: length)
                    made = i + 1
                }
            }
        }
        if firstBad >= 0 {
            throw ContainerError.malformed(
                "seek index", "tile (\(firstBad % columns), \(firstBad / columns)) points outside the file")
        }
        entries = list
    }
}
