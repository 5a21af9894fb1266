/// Opens any supported image as a streaming source.
public enum ImageReader {
    /// Opens `path`, recognising TIFF, PNG or PNM by content.
    public static func open(_ path: String, options: ReadOptions = .init()) throws -> any ImageSource {
        switch try ImageFileFormat.detect(path: path) {
        case .tiff: return try TIFFImageSource(path: path, options: options)
        case .png: return try PNGImageSource(path: path, options: options)
        case .pnm: return try PNMImageSource(path: path, options: options)
        }
    }
}
