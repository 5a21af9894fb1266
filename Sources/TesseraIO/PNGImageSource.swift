import PNGBridge

/// PNG input through libpng's row API (via the PNGBridge C target), every
/// colour type and bit depth, normalised by the canonical decoding rules:
/// palettes become RGB (RGBA with tRNS), grey/RGB tRNS becomes an alpha
/// channel, 1/2/4-bit grey stays unscaled one sample per byte, 16-bit stays
/// 16-bit in host order. Gamma, sBIT and colour chunks are not applied.
///
/// A non-interlaced PNG is streamed row by row: memory is one band. An Adam7
/// interlaced PNG spreads every row over seven passes, so it is decoded whole
/// on the first read, and refused above `ReadOptions.maxInterlacedBytes`.
public final class PNGImageSource: ImageSource {
    public let path: String
    public let info: ImageInfo
    public let fileDescription: FileDescription
    public private(set) var nextRow = 0

    private let reader: OpaquePointer
    private let expander: PNGRowExpander
    private let interlaced: Bool
    private let maxBufferBytes: Int
    /// Bytes of one row as the bridge delivers it, and as a canonical row.
    private let bridgeRowBytes: Int
    private let rowBytes: Int
    /// Scratch row for modes that expand; the bridge writes straight into the band otherwise.
    private var bridgeRow: [UInt8] = []
    /// The whole image in bridge rows, for an interlaced file once decoded.
    private var wholeImage: [UInt8]?
    /// The error that stopped decoding; every later read repeats it.
    private var failure: ImageIOError?

    public init(path: String, options: ReadOptions = .init()) throws {
        self.path = path
        guard options.page == 0 else {
            throw ImageIOError.invalidRequest(path: path, detail: "page \(options.page) asked for; a PNG has one page")
        }
        guard let reader = tessera_png_reader_new() else {
            throw ImageIOError.cannotOpen(path: path, reason: "out of memory")
        }
        self.reader = reader
        var raw = tessera_png_header()
        let status = tessera_png_reader_open(reader, path, &raw)
        guard status == Int32(TESSERA_PNG_OK) else {
            let error = PNGImageSource.error(status, reader: reader, path: path, opening: true)
            tessera_png_reader_close(reader)
            throw error
        }
        let header = PNGHeader(raw)

        do {
            guard header.colorType != 3 || !header.palette.isEmpty else {
                throw ImageIOError.malformed(path: path, detail: "palette image without a PLTE chunk")
            }
            let format = header.canonicalFormat
            // Header fields are checked, overflow-safely, before anything is allocated from them.
            let (rowBytes, rowOverflow) = header.width.multipliedReportingOverflow(by: format.bytesPerPixel)
            guard !rowOverflow, rowBytes <= options.maxBufferBytes else {
                throw ImageIOError.tooLarge(
                    path: path,
                    detail: "one row of \(header.width) pixels needs more than the \(options.maxBufferBytes)-byte buffer limit")
            }
            if header.interlaced {
                let (total, overflow) = rowBytes.multipliedReportingOverflow(by: header.height)
                guard !overflow, total <= options.maxInterlacedBytes else {
                    throw ImageIOError.tooLarge(
                        path: path,
                        detail: "interlaced (Adam7) PNG larger than \(PNGImageSource.size(options.maxInterlacedBytes)) "
                            + "decoded cannot be streamed; re-save it non-interlaced (this one is "
                            + "\(header.width)x\(header.height), \(overflow ? "too many bytes" : PNGImageSource.size(total)))")
                }
            }
            var delivered = 0
            let started = tessera_png_reader_start(reader, &delivered)
            guard started == Int32(TESSERA_PNG_OK) else {
                throw PNGImageSource.error(started, reader: reader, path: path, opening: true)
            }
            guard delivered == header.width * header.bridgeBytesPerPixel else {
                throw ImageIOError.malformed(
                    path: path, detail: "libpng delivers rows of \(delivered) bytes, expected "
                        + "\(header.width * header.bridgeBytesPerPixel)")
            }
            self.rowBytes = rowBytes
            bridgeRowBytes = delivered
            interlaced = header.interlaced
            maxBufferBytes = options.maxBufferBytes
            expander = PNGRowExpander(
                width: header.width, mode: header.expanderMode, palette: header.palette,
                paletteAlpha: header.paletteAlpha)
            info = ImageInfo(width: header.width, height: header.height, format: format, metadata: header.metadata)
            fileDescription = header.fileDescription
        } catch {
            tessera_png_reader_close(reader)
            throw error
        }
    }

    deinit { tessera_png_reader_close(reader) }

    public func readBand(maxRows: Int) throws -> PixelBuffer? {
        if let failure { throw failure }
        guard nextRow < info.height else { return nil }
        // A band never passes the buffer limit; one row always fits (checked at open).
        let rows = min(max(maxRows, 1), info.height - nextRow, max(maxBufferBytes / rowBytes, 1))
        do {
            let band = try interlaced ? interlacedBand(rows: rows) : streamedBand(rows: rows)
            nextRow += rows
            if interlaced && nextRow == info.height { wholeImage = nil }
            return band
        } catch let error as ImageIOError {
            failure = error
            throw error
        }
    }

    /// Reads `rows` rows of a non-interlaced file, then the file's end after the last row.
    private func streamedBand(rows: Int) throws -> PixelBuffer {
        var band = PixelBuffer(width: info.width, height: rows, format: info.format)
        let copies = expander.mode == .copy
        if !copies && bridgeRow.isEmpty { bridgeRow = [UInt8](repeating: 0, count: bridgeRowBytes) }
        for r in 0..<rows {
            let status: Int32 = band.bytes.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return Int32(TESSERA_PNG_ERR_STATE) }
                if copies { return tessera_png_reader_read_row(reader, base + r * rowBytes) }
                return bridgeRow.withUnsafeMutableBufferPointer { tessera_png_reader_read_row(reader, $0.baseAddress) }
            }
            guard status == Int32(TESSERA_PNG_OK) else {
                throw PNGImageSource.error(status, reader: reader, path: path, row: nextRow + r)
            }
            if !copies { try expand(bridgeRow, at: 0, into: &band, row: r) }
        }
        if nextRow + rows == info.height { try finishFile() }
        return band
    }

    /// Decodes the whole interlaced file on the first call, then hands out its rows.
    private func interlacedBand(rows: Int) throws -> PixelBuffer {
        if wholeImage == nil {
            var image = [UInt8](repeating: 0, count: bridgeRowBytes * info.height)
            let status = image.withUnsafeMutableBufferPointer {
                tessera_png_reader_read_image(reader, $0.baseAddress, bridgeRowBytes)
            }
            guard status == Int32(TESSERA_PNG_OK) else {
                throw PNGImageSource.error(status, reader: reader, path: path)
            }
            try finishFile()
            wholeImage = image
        }
        guard let image = wholeImage else {
            throw ImageIOError.invalidRequest(path: path, detail: "interlaced image not decoded")
        }
        var band = PixelBuffer(width: info.width, height: rows, format: info.format)
        for r in 0..<rows {
            try expand(image, at: (nextRow + r) * bridgeRowBytes, into: &band, row: r)
        }
        return band
    }

    /// Expands one bridge row starting at `offset` of `source` into row `r` of `band`.
    private func expand(_ source: [UInt8], at offset: Int, into band: inout PixelBuffer, row r: Int) throws {
        let rowBytes = self.rowBytes, bridgeRowBytes = self.bridgeRowBytes
        do {
            try source.withUnsafeBufferPointer { src in
                try band.bytes.withUnsafeMutableBufferPointer { dst in
                    try expander.expand(
                        UnsafeBufferPointer(rebasing: src[offset..<offset + bridgeRowBytes]),
                        into: UnsafeMutableBufferPointer(rebasing: dst[r * rowBytes..<(r + 1) * rowBytes]))
                }
            }
        } catch let bad as PNGRowExpander.BadPaletteIndex {
            throw ImageIOError.malformed(
                path: path,
                detail: "pixel (\(bad.x), \(nextRow + r)) uses palette index \(bad.index), "
                    + "past the palette's \(expander.paletteEntries) entries")
        }
    }

    /// Reads the chunks after the image data up to IEND, so damage there is reported too.
    private func finishFile() throws {
        let status = tessera_png_reader_finish(reader)
        guard status == Int32(TESSERA_PNG_OK) else {
            throw PNGImageSource.error(status, reader: reader, path: path, after: true)
        }
    }

    /// The Swift error for a bridge status, with libpng's message.
    private static func error(
        _ status: Int32, reader: OpaquePointer, path: String, opening: Bool = false, row: Int? = nil,
        after: Bool = false
    ) -> ImageIOError {
        let message = String(cString: tessera_png_reader_message(reader))
        let place = row.map { "row \($0): " } ?? (after ? "after the image data: " : "")
        switch Int(status) {
        case Int(TESSERA_PNG_ERR_IO):
            return opening
                ? .cannotOpen(path: path, reason: message) : .malformed(path: path, detail: place + message)
        case Int(TESSERA_PNG_ERR_LIMIT):
            return .tooLarge(
                path: path,
                detail: "\(message); images wider or taller than \(TESSERA_PNG_MAX_DIMENSION) pixels are refused")
        case Int(TESSERA_PNG_ERR_STATE):
            return opening ? .cannotOpen(path: path, reason: message) : .invalidRequest(path: path, detail: message)
        default:
            return .malformed(path: path, detail: place + message)
        }
    }

    /// "256 MiB" for whole mebibytes, "257.5 MiB" above 1 MiB, else bytes.
    private static func size(_ bytes: Int) -> String {
        let mib = 1 << 20
        if bytes % mib == 0 { return "\(bytes / mib) MiB" }
        if bytes < mib { return "\(bytes) bytes" }
        let tenths = (bytes % mib) * 10 / mib
        return "\(bytes / mib).\(tenths) MiB"
    }
}
