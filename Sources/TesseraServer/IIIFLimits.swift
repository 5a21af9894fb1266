/// The largest output an image request may ask for, advertised in info.json as `maxWidth`,
/// `maxHeight` and `maxArea`.
public struct IIIFLimits: Sendable, Equatable {
    public var maxWidth: Int
    public var maxHeight: Int
    public var maxArea: Int

    /// Limits for an image of `width`×`height`: outputs no wider or taller than the image, and
    /// at most `maxArea` pixels.
    public init(imageWidth width: Int, imageHeight height: Int, maxArea: Int) {
        maxWidth = width
        maxHeight = height
        self.maxArea = maxArea
    }
}
