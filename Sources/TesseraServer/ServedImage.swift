import TesseraFormat
import TesseraPipeline
import TesseraSupport

/// One open `.tess` file as the server shares it between requests: the image (memory-mapped),
/// what identifies this version of the file on disk, and the parts of responses that depend
/// only on it.
public final class ServedImage: Sendable {
    public let identifier: String
    public let image: TessImage
    let identity: FileIdentity
    /// The footer's CRC-32C, in hex: part of every ETag, so a rewritten file changes them all.
    public let version: String
    /// Last-Modified, as an HTTP date.
    public let lastModified: String
    public let deepZoom: DeepZoom

    convenience init(identifier: String, path: String, identity: FileIdentity, cache: DecodedTileCache?) throws {
        try self.init(identifier: identifier, source: MappedFileSource(path: path), path: path, identity: identity, cache: cache)
    }

    init(identifier: String, source: any RandomAccessSource, path: String, identity: FileIdentity, cache: DecodedTileCache?)
        throws
    {
        let image = try TessImage(source: source, path: path, cache: cache)
        self.identifier = identifier
        self.image = image
        self.identity = identity
        let footer = image.reader.footer.encoded()
        version = String(CRC32C.checksum(footer[0..<20]), radix: 16)
        lastModified = HTTPDate.format(secondsSince1970: identity.modifiedSeconds)
        deepZoom = DeepZoom(width: image.header.width, height: image.header.height, tileSize: Self.tileSize)
    }

    /// The tile size advertised to IIIF and Deep Zoom clients.
    public static let tileSize = 256

    public var width: Int { image.header.width }
    public var height: Int { image.header.height }
}
