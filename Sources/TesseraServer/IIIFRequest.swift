/// An IIIF Image API 3.0 image request's parameters, `{region}/{size}/{rotation}/{quality}.{format}`
/// (section 4), parsed but not yet applied to an image.
public struct IIIFRequest: Sendable, Equatable {
    public var region: IIIFRegion
    public var size: IIIFSize
    public var rotation: IIIFRotation
    public var quality: IIIFQuality
    public var format: IIIFFormat

    public init(region: IIIFRegion, size: IIIFSize, rotation: IIIFRotation, quality: IIIFQuality, format: IIIFFormat) {
        self.region = region
        self.size = size
        self.rotation = rotation
        self.quality = quality
        self.format = format
    }

    /// Parses the four path segments after the identifier (already percent-decoded). Each
    /// malformed part is a 400 naming it; an unknown format is a 415.
    public init(region: Substring, size: Substring, rotation: Substring, qualityAndFormat: Substring) throws(ServeError) {
        guard let dot = qualityAndFormat.lastIndex(of: ".") else {
            throw .badRequest("'\(qualityAndFormat)' must be {quality}.{format}, e.g. default.jpg")
        }
        self.region = try IIIFRegion(parsing: region)
        self.size = try IIIFSize(parsing: size)
        self.rotation = try IIIFRotation(parsing: rotation)
        self.quality = try IIIFQuality(parsing: qualityAndFormat[..<dot])
        self.format = try IIIFFormat(parsing: qualityAndFormat[qualityAndFormat.index(after: dot)...])
    }

    /// The request applied to an image of `width`×`height` under `limits`.
    public func resolve(width: Int, height: Int, limits: IIIFLimits) throws(ServeError) -> RenderRequest {
        let r = try region.resolve(width: width, height: height)
        let s = try size.resolve(width: r.width, height: r.height, limits: limits)
        return RenderRequest(
            x: r.x, y: r.y, width: r.width, height: r.height, outputWidth: s.width, outputHeight: s.height,
            rotation: rotation, quality: quality, format: format)
    }
}
