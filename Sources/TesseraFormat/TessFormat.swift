/// Constants of the .tess container (docs/FORMAT.md).
public enum TessFormat {
    /// The newest Format_Version this code reads and writes: 2 adds stored resolution levels
    /// (LTIL chunks, the LIDX chunk). A file without them is written as version 1, which
    /// every reader of version 1 can read.
    public static let version: UInt16 = 2
    /// Magic_Number: a non-ASCII first byte, "TESS", CR LF, ^Z — like PNG's, it
    /// catches files mangled by text-mode transfers and never reads as text.
    public static let magic: [UInt8] = [0x8A, 0x54, 0x45, 0x53, 0x53, 0x0D, 0x0A, 0x1A]
    /// Footer_Magic at the very end of a complete file.
    public static let footerMagic: [UInt8] = [0x8A, 0x54, 0x53, 0x49, 0x44, 0x58, 0x0A, 0x1A]
    public static let fileHeaderSize = 16
    public static let footerSize = 32
    /// Chunk envelope: Chunk_Length (4) + Chunk_Type (4) + payload + Chunk_CRC (4).
    public static let chunkOverhead = 12
    /// Largest chunk payload a reader accepts (1 GiB): bounds any allocation a
    /// damaged length could ask for.
    public static let maxChunkPayload = 1 << 30
}
