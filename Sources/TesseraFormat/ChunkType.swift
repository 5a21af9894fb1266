/// A chunk's four-letter type. As in PNG, a lower-case first letter marks an
/// ancillary chunk that a reader may skip when it does not know it; an unknown
/// chunk whose first letter is upper-case is critical and must be rejected.
public struct ChunkType: Hashable, Sendable, CustomStringConvertible {
    public let code: UInt32  // the four bytes, first letter in the low byte

    public init(_ name: StaticString) {
        precondition(name.utf8CodeUnitCount == 4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(name.utf8Start[i]) << UInt32(8 * i) }
        code = v
    }

    public init(code: UInt32) { self.code = code }

    public var bytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: code >> UInt32(8 * $0)) } }

    /// Every byte is an ASCII letter.
    public var isWellFormed: Bool {
        bytes.allSatisfy { (65...90).contains($0) || (97...122).contains($0) }
    }

    /// Bit 5 of the first byte set (lower-case letter): a reader may skip it.
    public var isAncillary: Bool { code & 0x20 != 0 }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Image header (critical).
    public static let imageHeader = ChunkType("IHDR")
    /// Metadata: resolution, ICC profile, orientation, description, page name (ancillary).
    public static let metadata = ChunkType("meta")
    /// The embedded codebook (critical).
    public static let codebook = ChunkType("CBOK")
    /// The embedded codebook as whole numbers, entropy coded (critical; images of up to 8 bits).
    public static let packedCodebook = ChunkType("CBKP")
    /// Shared entropy-coding models (critical).
    public static let entropyModels = ChunkType("EMOD")
    /// Parameters of the predictive residual coding mode (critical).
    public static let residualParameters = ChunkType("RPAR")
    /// Parameters of the transform coding mode (critical).
    public static let transformParameters = ChunkType("TPAR")
    /// One tile (critical).
    public static let tile = ChunkType("TILE")
    /// The seek index (critical).
    public static let seekIndex = ChunkType("SIDX")
    /// One tile of a stored resolution level (critical; Format_Version 2).
    public static let levelTile = ChunkType("LTIL")
    /// The stored resolution levels and their seek indexes, after SIDX (critical; Format_Version 2).
    public static let levelIndex = ChunkType("LIDX")
}
