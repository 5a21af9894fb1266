import TesseraSupport

/// The fixed 32 bytes at the end of every complete .tess file: they lead a
/// reader to the header region and the seek index.
public struct Footer: Sendable, Equatable {
    /// Offset of the SIDX chunk's envelope.
    public var indexOffset: UInt64
    /// Length of the SIDX chunk, envelope included.
    public var indexLength: UInt32
    /// Bytes from the start of the file to the end of the last header chunk.
    public var headerLength: UInt32

    public init(indexOffset: UInt64, indexLength: UInt32, headerLength: UInt32) {
        self.indexOffset = indexOffset
        self.indexLength = indexLength
        self.headerLength = headerLength
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: TessFormat.footerSize)
        w.u64(indexOffset)
        w.u32(indexLength)
        w.u32(headerLength)
        w.u32(0)  // Footer_Reserved
        w.u32(CRC32C.checksum(w.bytes))
        w.append(TessFormat.footerMagic)
        return w.bytes
    }

    public init(decoding bytes: [UInt8], fileSize: UInt64) throws(ContainerError) {
        guard bytes.count == TessFormat.footerSize,
            fileSize >= UInt64(TessFormat.fileHeaderSize + TessFormat.footerSize)
        else {
            throw ContainerError.malformed("footer", "file too short")
        }
        guard Array(bytes[24..<32]) == TessFormat.footerMagic else {
            throw ContainerError.malformed("footer", "no footer magic: the file is truncated or was not finished")
        }
        var r = ByteReader(bytes, context: "footer")
        indexOffset = try r.u64()
        indexLength = try r.u32()
        headerLength = try r.u32()
        let reserved = try r.u32()
        let declared = try r.u32()
        let computed = CRC32C.checksum(bytes[0..<20])
        guard declared == computed else {
            throw ContainerError.checksumMismatch("footer", declared: declared, computed: computed)
        }
        guard reserved == 0 else { throw ContainerError.unsupportedFeature("footer: reserved field is not zero") }
        let tailStart = fileSize - UInt64(TessFormat.footerSize)
        guard UInt64(headerLength) >= UInt64(TessFormat.fileHeaderSize), UInt64(headerLength) <= indexOffset,
            indexOffset <= tailStart, UInt64(indexLength) == tailStart - indexOffset
        else {
            throw ContainerError.malformed("footer", "offsets do not fit the file's size")
        }
    }
}
