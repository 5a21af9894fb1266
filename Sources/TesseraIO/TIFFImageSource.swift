// Placeholder: replaced by the real decoder.
public final class TIFFImageSource: ImageSource {
    public let path: String
    public var info: ImageInfo { fatalError() }
    public var fileDescription: FileDescription { fatalError() }
    public var nextRow: Int { 0 }
    public init(path: String, options: ReadOptions = .init()) throws {
        self.path = path
        throw ImageIOError.unsupported(path: path, what: "not implemented yet")
    }
    public func readBand(maxRows: Int) throws -> PixelBuffer? { nil }
}
