// Placeholder: replaced by the real encoder.
public final class PNGImageSink: ImageSink {
    public let path: String
    public let info: ImageInfo
    public init(path: String, info: ImageInfo, options: WriteOptions = .init()) throws {
        self.path = path
        self.info = info
        throw ImageIOError.unsupported(path: path, what: "not implemented yet")
    }
    public func write(_ band: PixelBuffer) throws {}
    public func finish() throws {}
    public func abort() {}
}
