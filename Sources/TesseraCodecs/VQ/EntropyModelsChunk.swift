import TesseraCoding
import TesseraFormat
import TesseraSupport

/// The EMOD payload: Model_Count (u8), three reserved bytes, then per model a
/// u32 length and the serialised `IndexMapModel` (docs/FORMAT.md).
enum EntropyModelsChunk {
    static func encode(_ models: [IndexMapModel]) -> [UInt8] {
        var w = ByteWriter()
        w.u8(UInt8(models.count))
        w.u8(0)
        w.u16(0)
        for m in models { w.blob(m.serialized()) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(ContainerError) -> [IndexMapModel] {
        var r = ByteReader(bytes, context: "EMOD chunk")
        let count = Int(try r.u8())
        let reserved = UInt32(try r.u8()) | UInt32(try r.u16()) << 8
        guard reserved == 0 else { throw ContainerError.unsupportedFeature("EMOD chunk: reserved bits are set") }
        guard (1...4).contains(count) else { throw ContainerError.malformed("EMOD chunk", "\(count) models") }
        var models: [IndexMapModel] = []
        for _ in 0..<count {
            let blob = try r.blob(limit: TessFormat.maxChunkPayload)
            do {
                models.append(try IndexMapModel(parsing: blob))
            } catch {
                throw ContainerError.malformed("EMOD chunk", "\(error)")
            }
        }
        try r.expectEnd()
        return models
    }
}
