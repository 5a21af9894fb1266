import TesseraSupport
/// One chunk: a type and its payload. On disk it is enveloped as
/// Chunk_Length (u32) | Chunk_Type (4 bytes) | payload | Chunk_CRC (u32, CRC-32C of type + payload).
public struct Chunk: Sendable, Equatable {
    public var type: ChunkType
    public var payload: [UInt8]

    public init(type: ChunkType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// The chunk as stored, envelope included.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: payload.count + TessFormat.chunkOverhead)
        w.u32(UInt32(payload.count))
        let typeBytes = type.bytes
        w.append(typeBytes)
        w.append(payload)
        w.u32(CRC32C.checksum(payload, continuing: CRC32C.checksum(typeBytes)))
        return w.bytes
    }

    /// Parses one enveloped chunk from the start of `bytes`; returns it and the bytes it took.
    /// `context` names the place in errors ("tile (3, 4)").
    public static func decode(_ bytes: ArraySlice<UInt8>, context: String) throws(ContainerError) -> (Chunk, Int) {
        var r = ByteReader(bytes, context: context)
        let length = Int(try r.u32())
        guard length <= TessFormat.maxChunkPayload else {
            throw ContainerError.malformed(context, "chunk length \(length) is absurd")
        }
        let typeBytes = Array(try r.raw(4))
        let type = ChunkType(code: typeBytes.enumerated().reduce(0) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) })
        guard type.isWellFormed else {
            throw ContainerError.malformed(context, "chunk type is not four letters")
        }
        guard length <= r.remaining - 4 else {
            throw ContainerError.malformed(context, "\(type) chunk of \(length) bytes is cut short")
        }
        let payload = Array(try r.raw(length))
        let declared = try r.u32()
        let computed = CRC32C.checksum(payload, continuing: CRC32C.checksum(typeBytes))
        guard computed == declared else {
            throw ContainerError.checksumMismatch("\(context) (\(type) chunk)", declared: declared, computed: computed)
        }
        return (Chunk(type: type, payload: payload), length + TessFormat.chunkOverhead)
    }
}
