/// Choices for writing an image. Each writer uses the fields that apply to it.
public struct WriteOptions: Sendable {
    public enum TIFFCompression: String, Sendable, CaseIterable {
        case none, deflate
    }

    public enum BigTIFFChoice: String, Sendable, CaseIterable {
        /// BigTIFF when the file may pass 4 GB (judged from the uncompressed size).
        case auto
        case always, never
    }

    /// TIFF tile width and height (a multiple of 16).
    public var tileSize: Int
    public var tiffCompression: TIFFCompression
    public var bigTIFF: BigTIFFChoice
    /// zlib level for TIFF Deflate and PNG, 0–9.
    public var deflateLevel: Int

    public init(
        tileSize: Int = 256, tiffCompression: TIFFCompression = .deflate,
        bigTIFF: BigTIFFChoice = .auto, deflateLevel: Int = 6
    ) {
        self.tileSize = tileSize
        self.tiffCompression = tiffCompression
        self.bigTIFF = bigTIFF
        self.deflateLevel = deflateLevel
    }
}
