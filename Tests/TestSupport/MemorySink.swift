import TesseraIO

/// An image sink that keeps every band it is given, in memory (tests only).
public final class MemorySink: ImageSink {
    public let path = "memory"
    public let info: ImageInfo
    public private(set) var image: PixelBuffer
    public private(set) var rowsWritten = 0
    public private(set) var bandHeights: [Int] = []
    public private(set) var finished = false

    public init(info: ImageInfo) {
        self.info = info
        image = PixelBuffer(width: info.width, height: info.height, format: info.format)
    }

    public func write(_ band: PixelBuffer) throws {
        guard band.width == info.width, band.format == info.format, rowsWritten + band.height <= info.height else {
            throw ImageIOError.invalidRequest(path: path, detail: "band does not fit")
        }
        image.paste(band, x: 0, y: rowsWritten)
        rowsWritten += band.height
        bandHeights.append(band.height)
    }

    public func finish() throws { finished = true }
    public func abort() {}
}
