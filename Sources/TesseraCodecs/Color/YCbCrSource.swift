import TesseraIO

/// A view of an 8-bit RGB(A) source as Y, Cb, Cr (then alpha): codebooks for colour transform 2
/// are trained on the planes the tile codec will quantise, not on R, G and B.
public final class YCbCrSource: ImageSource {
    public let base: any ImageSource
    public var path: String { base.path }
    public var info: ImageInfo { base.info }
    public var fileDescription: FileDescription { base.fileDescription }
    public var nextRow: Int { base.nextRow }

    public init(_ base: any ImageSource) {
        precondition(base.info.format.bitDepth == 8 && base.info.format.channels >= 3)
        self.base = base
    }

    /// Whether images of `format` can be coded as YCbCr: 8-bit RGB or RGBA.
    public static func applies(to format: PixelFormat) -> Bool {
        format.bitDepth == 8 && format.channels >= 3
    }

    public func readBand(maxRows: Int) throws -> PixelBuffer? {
        try base.readBand(maxRows: maxRows).map(YCbCr.forward)
    }

    public func skipRows(_ count: Int) throws { try base.skipRows(count) }
}
