import TesseraIO
import TesseraSupport

/// The stored resolution levels of a Format_Version 2 file and where their tiles lie: the
/// payload of the LIDX chunk, which follows the SIDX chunk in the index region
/// (docs/FORMAT.md, "Resolution levels").
///
/// Each stored level is coded as an image of its own: its own IHDR (the level's size, 8 or
/// 16 bits, its tile size and coding mode), its mode's parameter chunk, and a seek index of
/// its LTIL chunks.
///
/// Payload: Level_Count u8, then per level (coarser after finer): Level u8, Header_Length u16
/// and an IHDR payload, Chunk_Count u8 and that many (Chunk_Type u32, Chunk_Length u32,
/// payload), Index_Length u32 and a SIDX payload.
public struct LevelIndex: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        /// k: the image reduced by 2^k in each direction.
        public var level: Int
        public var header: ImageHeader
        /// The level's mode parameter chunks (TPAR, RPAR), by type.
        public var chunks: [ChunkType: [UInt8]]
        public var index: SeekIndex

        public init(level: Int, header: ImageHeader, chunks: [ChunkType: [UInt8]], index: SeekIndex) {
            self.level = level
            self.header = header
            self.chunks = chunks
            self.index = index
        }
    }

    public var levels: [Level]

    /// The deepest level a file may store.
    public static let maxLevel = 20

    public init(levels: [Level]) { self.levels = levels }

    /// The size of level `k` of a `width`×`height` image: reduced by 2^k, rounded up.
    public static func size(ofLevel k: Int, width: Int, height: Int) -> (width: Int, height: Int) {
        let f = 1 << k
        return ((width + f - 1) / f, (height + f - 1) / f)
    }

    /// The samples of every level but 0 of an image of `format`: the same, except that images
    /// of fewer than 8 bits (1-bit pages) have 8-bit levels (a mean of 0s and 1s is a grey).
    public static func levelFormat(of format: PixelFormat) -> PixelFormat {
        format.bitDepth < 8 ? PixelFormat(colorModel: format.colorModel, bitDepth: 8) : format
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(levels.count))
        for l in levels {
            w.u8(UInt8(l.level))
            let h = l.header.encoded()
            w.u16(UInt16(h.count))
            w.append(h)
            w.u8(UInt8(l.chunks.count))
            for (type, payload) in l.chunks.sorted(by: { $0.key.code < $1.key.code }) {
                w.u32(type.code)
                w.u32(UInt32(payload.count))
                w.append(payload)
            }
            let index = l.index.encoded()
            w.u32(UInt32(index.count))
            w.append(index)
        }
        return w.bytes
    }

    /// Parses and checks the index against the full-resolution `image` header: each level's
    /// size is the image's reduced by 2^k (rounded up), its samples are the level format,
    /// levels are deeper one after another, and every tile lies in `tilesStart..<tilesEnd`.
    public init(decoding bytes: [UInt8], image: ImageHeader, tilesStart: UInt64, tilesEnd: UInt64) throws(ContainerError) {
        let levelFormat = Self.levelFormat(of: image.format)
        var r = ByteReader(bytes, context: "level index")
        let count = Int(try r.u8())
        var out: [Level] = []
        for _ in 0..<count {
            let k = Int(try r.u8())
            let place = "level \(k)"
            guard k >= 1, k <= Self.maxLevel, k > (out.last?.level ?? 0) else {
                throw ContainerError.malformed("level index", "level \(k) is out of order or out of range")
            }
            let headerLength = Int(try r.u16())
            let header = try ImageHeader(decoding: Array(try r.raw(headerLength)))
            let (width, height) = Self.size(ofLevel: k, width: image.width, height: image.height)
            guard header.width == width, header.height == height else {
                throw ContainerError.malformed(
                    place, "is \(header.width)x\(header.height), not \(width)x\(height) as the image's size gives")
            }
            guard header.format == levelFormat else {
                throw ContainerError.malformed(place, "has \(header.format) samples, not \(levelFormat)")
            }
            let chunkCount = Int(try r.u8())
            var chunks: [ChunkType: [UInt8]] = [:]
            for _ in 0..<chunkCount {
                let type = ChunkType(code: try r.u32())
                let length = Int(try r.u32())
                guard chunks[type] == nil else { throw ContainerError.malformed(place, "two \(type) chunks") }
                chunks[type] = Array(try r.raw(length))
            }
            let indexLength = Int(try r.u32())
            let index = try SeekIndex(
                decoding: Array(try r.raw(indexLength)), expectColumns: header.tileColumns, expectRows: header.tileRows,
                tilesStart: tilesStart, tilesEnd: tilesEnd)
            out.append(Level(level: k, header: header, chunks: chunks, index: index))
        }
        try r.expectEnd()
        levels = out
    }
}
