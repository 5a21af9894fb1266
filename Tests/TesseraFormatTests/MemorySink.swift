import TesseraIO

/// An image sink that keeps every band it is given, in memory (tests only).
final class MemorySink: ImageSink {
    let path = "memory"
    let info: ImageInfo
    private(set) var image: PixelBuffer
    private(set) var rowsWritten = 0
    private(set) var bandHeights: [Int] = []
    private(set) var finished = false

    init(info: ImageInfo) {
        self.info = info
        image = PixelBuffer(width: info.width, height: info.height, format: info.format)
    }

    func write(_ band: PixelBuffer) throws {
        guard band.width == info.width, band.format == info.format, rowsWritten + band.height <= info.height else {
            throw ImageIOError.invalidRequest(path: path, detail: "band does not fit")
        }
        image.paste(band, x: 0, y: rowsWritten)
        rowsWritten += band.height
        bandHeights.append(band.height)
    }

    func finish() throws { finished = true }
    func abort() {}
}
