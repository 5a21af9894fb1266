/// What to make from an image, resolved to pixels: the region, the output size (before
/// rotation), the rotation and mirror, the quality and the format. IIIF and Deep Zoom requests
/// both end here, so a tile asked for either way is rendered and cached once.
public struct RenderRequest: Sendable, Hashable {
    public var x, y, width, height: Int
    public var outputWidth, outputHeight: Int
    public var rotation: IIIFRotation
    public var quality: IIIFQuality
    public var format: IIIFFormat

    public init(
        x: Int, y: Int, width: Int, height: Int, outputWidth: Int, outputHeight: Int,
        rotation: IIIFRotation = IIIFRotation(), quality: IIIFQuality = .default, format: IIIFFormat
    ) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        self.rotation = rotation
        self.quality = quality
        self.format = format
    }

    /// The canonical IIIF form of the request (section 4.7), after the identifier.
    public func canonicalPath(imageWidth: Int, imageHeight: Int) -> String {
        let region = IIIFRegion.canonical((x, y, width, height), imageWidth: imageWidth, imageHeight: imageHeight)
        let size = outputWidth == width && outputHeight == height && region == "full" ? "max" : "\(outputWidth),\(outputHeight)"
        return "\(region)/\(size)/\(rotation.canonical)/\(quality.rawValue).\(format.rawValue)"
    }

    /// Output pixels, after rotation.
    public var pixelCount: Int { outputWidth * outputHeight }
}
