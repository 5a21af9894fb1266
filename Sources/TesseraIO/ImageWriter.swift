/// Creates a streaming sink for an output file; the format follows the extension.
public enum ImageWriter {
    public static func create(
        _ path: String, info: ImageInfo, options: WriteOptions = .init()
    ) throws -> any ImageSink {
        guard let format = ImageFileFormat.forOutput(path: path) else {
            throw ImageIOError.invalidRequest(
                path: path, detail: "unknown output type: name it .tif, .png or .pnm (.pgm/.ppm/.pbm/.pam)")
        }
        return try create(path, format: format, info: info, options: options)
    }

    public static func create(
        _ path: String, format: ImageFileFormat, info: ImageInfo, options: WriteOptions = .init()
    ) throws -> any ImageSink {
        switch format {
        case .tiff: return try TIFFImageSink(path: path, info: info, options: options)
        case .png: return try PNGImageSink(path: path, info: info, options: options)
        case .pnm: return try PNMImageSink(path: path, info: info)
        }
    }

    /// Streams every row of `source` into a new file at `path`.
    public static func convert(
        _ source: any ImageSource, to path: String, options: WriteOptions = .init(),
        bandRows: Int = 256, progress: ((_ rowsDone: Int) -> Void)? = nil
    ) throws {
        let sink = try create(path, info: source.info, options: options)
        do {
            try source.forEachBand(rows: bandRows) { y, band in
                try sink.write(band)
                progress?(y + band.height)
            }
            try sink.finish()
        } catch {
            sink.abort()
            throw error
        }
    }
}
