/// What a source knows about its image before any pixel is decoded.
public struct ImageInfo: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var format: PixelFormat
    public var metadata: ImageMetadata

    public init(width: Int, height: Int, format: PixelFormat, metadata: ImageMetadata = .init()) {
        self.width = width
        self.height = height
        self.format = format
        self.metadata = metadata
    }

    public var pixelCount: Int { width * height }
}
