/// Choices and limits for opening an image.
public struct ReadOptions: Sendable, Equatable {
    /// Page (TIFF directory) to read, from 0.
    public var page: Int
    /// Largest buffer, in bytes, a reader may allocate for one band, strip or
    /// tile. Files whose header would need more are refused before allocating.
    public var maxBufferBytes: Int
    /// Largest decoded size, in bytes, of an interlaced PNG (which must be
    /// decoded whole because Adam7 spreads every row over seven passes).
    public var maxInterlacedBytes: Int

    public init(page: Int = 0, maxBufferBytes: Int = 512 << 20, maxInterlacedBytes: Int = 256 << 20) {
        self.page = page
        self.maxBufferBytes = maxBufferBytes
        self.maxInterlacedBytes = maxInterlacedBytes
    }
}
