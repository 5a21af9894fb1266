import TesseraPipeline
import TesseraRemote

/// Whether `input` names a remote file (`http://…` or `https://…`).
func isRemote(_ input: String) -> Bool { input.hasPrefix("http://") || input.hasPrefix("https://") }

/// The .tess file `input`: a local path, or a URL read by HTTP range requests (only the
/// footer, header, index and the tiles needed are fetched).
func openTessImage(_ input: String) throws -> TessImage {
    if isRemote(input) { return try TessImage(source: HTTPRangeSource(url: input), path: input) }
    return try TessImage(path: input)
}

/// HTTP requests made for a remote image so far (nil for a local file).
func httpRequests(_ image: TessImage) -> Int? { (image.reader.source as? HTTPRangeSource)?.requestCount }
