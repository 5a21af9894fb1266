/// What an image file says about itself: container, layout, compression and
/// the colour representation as stored, before Tessera normalises it.
public struct FileDescription: Sendable, Equatable, Codable {
    /// "TIFF", "BigTIFF", "PNG", "PNM".
    public var container: String
    /// "little-endian" or "big-endian" for TIFF; nil elsewhere.
    public var byteOrder: String?
    /// Number of pages (TIFF directories); 1 for PNG and PNM.
    public var pages: Int
    /// How pixel data is stored: "tiles 256x256", "strips of 16 rows", "rows", "Adam7 interlaced".
    public var layout: String
    /// "none", "LZW", "Deflate", "CCITT G4", "JPEG", …
    public var compression: String
    /// The colour representation as stored: "min-is-white", "palette", "RGB", "YCbCr", "grey+alpha", …
    public var photometric: String
    /// Bits per sample as stored (before widening or unpacking).
    public var bitsPerSample: Int
    public var samplesPerPixel: Int
    /// "contiguous" or "separate" for TIFF; nil elsewhere.
    public var planarConfiguration: String?

    public init(
        container: String, byteOrder: String? = nil, pages: Int = 1, layout: String,
        compression: String, photometric: String, bitsPerSample: Int, samplesPerPixel: Int,
        planarConfiguration: String? = nil
    ) {
        self.container = container
        self.byteOrder = byteOrder
        self.pages = pages
        self.layout = layout
        self.compression = compression
        self.photometric = photometric
        self.bitsPerSample = bitsPerSample
        self.samplesPerPixel = samplesPerPixel
        self.planarConfiguration = planarConfiguration
    }
}
