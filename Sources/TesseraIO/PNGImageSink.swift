import PNGBridge

/// PNG output through libpng's row API (via the PNGBridge C target): every
/// `PixelFormat`, non-interlaced, written row by row as bands arrive, so
/// memory is one band. 1/2/4-bit grey is packed by libpng; 16-bit samples
/// are taken in host order.
///
/// Metadata: resolution as pHYs (per inch or per centimetre become pixels per
/// metre, rounded; unit none becomes pHYs with unit unknown), the ICC profile
/// as iCCP ("ICC profile"), the description as tEXt "Description" (iTXt when
/// it is not ASCII). A profile libpng judges unfit for the image (say an RGB
/// profile on grey) is left out and noted in `warnings`.
///
/// The file is written under a temporary name; `finish()` checks that every
/// row arrived, ends the PNG, closes the file (checking for errors) and renames
/// it into place. Nothing is ever left under the final name on failure.
public final class PNGImageSink: ImageSink {
    public let path: String
    public let info: ImageInfo
    /// Metadata that could not be written, one line each.
    public private(set) var warnings: [String] = []

    private let output: AtomicOutput
    private var writer: OpaquePointer?
    private var rowsWritten = 0

    public init(path: String, info: ImageInfo, options: WriteOptions = .init()) throws {
        self.path = path
        self.info = info
        output = AtomicOutput(finalPath: path)

        let format = info.format
        guard format.bitDepth >= 8 || format.colorModel == .grey else {
            throw ImageIOError.unsupported(path: path, what: "PNG cannot store \(format) (below 8 bits only grey)")
        }
        guard info.width > 0, info.height > 0, info.width <= Int(Int32.max), info.height <= Int(Int32.max) else {
            throw ImageIOError.invalidRequest(path: path, detail: "PNG cannot hold \(info.width)x\(info.height) pixels")
        }
        guard (0...9).contains(options.deflateLevel) else {
            throw ImageIOError.invalidRequest(
                path: path, detail: "deflate level \(options.deflateLevel) is outside 0–9")
        }
        let colorType: Int32
        switch format.colorModel {
        case .grey: colorType = 0
        case .rgb: colorType = 2
        case .greyAlpha: colorType = 4
        case .rgba: colorType = 6
        }

        guard let writer = tessera_png_writer_new() else {
            throw ImageIOError.writeFailed(path: path, reason: "out of memory")
        }
        self.writer = writer
        let opened = tessera_png_writer_open(
            writer, output.temporaryPath, UInt32(info.width), UInt32(info.height), Int32(format.bitDepth), colorType,
            Int32(options.deflateLevel))
        guard opened == Int32(TESSERA_PNG_OK) else { throw failure() }

        let metadata = info.metadata
        let physical = PNGImageSink.physicalResolution(metadata)
        if metadata.resolutionX != nil && physical == nil {
            warnings.append("resolution \(metadata.resolutionX ?? 0)x\(metadata.resolutionY ?? 0) cannot be stored in pHYs")
        }
        var iccWritten: Int32 = 0
        let begun: Int32 = (metadata.iccProfile ?? []).withUnsafeBufferPointer { icc in
            PNGImageSink.withOptionalCString(metadata.description) { description in
                var m = tessera_png_write_metadata()
                if let (x, y, metre) = physical {
                    m.phys_present = 1
                    m.phys_x = x
                    m.phys_y = y
                    m.phys_unit = metre ? 1 : 0
                }
                if icc.count > 0, icc.count <= Int(UInt32.max) {
                    m.icc = icc.baseAddress
                    m.icc_length = UInt32(icc.count)
                }
                m.description = description
                return tessera_png_writer_begin(writer, &m, &iccWritten)
            }
        }
        guard begun == Int32(TESSERA_PNG_OK) else { throw failure() }
        if let icc = metadata.iccProfile, !icc.isEmpty, iccWritten == 0 {
            warnings.append(String(cString: tessera_png_writer_message(writer)))
        }
    }

    deinit { abort() }

    public func write(_ band: PixelBuffer) throws {
        guard let writer else { throw ImageIOError.writeFailed(path: path, reason: "sink is closed") }
        guard band.width == info.width, band.format == info.format else {
            throw ImageIOError.invalidRequest(
                path: path, detail: "band of \(band.width) pixels \(band.format) does not match the image's "
                    + "\(info.width) pixels \(info.format)")
        }
        guard rowsWritten + band.height <= info.height else {
            throw ImageIOError.invalidRequest(path: path, detail: "more rows written than the image's \(info.height)")
        }
        let rowBytes = band.rowBytes
        for r in 0..<band.height {
            let status: Int32 = band.bytes.withUnsafeBufferPointer { rows in
                guard let base = rows.baseAddress else { return Int32(TESSERA_PNG_ERR_STATE) }
                return tessera_png_writer_write_row(writer, base + r * rowBytes)
            }
            guard status == Int32(TESSERA_PNG_OK) else { throw failure() }
            rowsWritten += 1
        }
    }

    public func finish() throws {
        guard let writer else { throw ImageIOError.writeFailed(path: path, reason: "sink is closed") }
        guard rowsWritten == info.height else {
            abort()
            throw ImageIOError.writeFailed(
                path: path, reason: "only \(rowsWritten) of \(info.height) rows were written")
        }
        guard tessera_png_writer_finish(writer) == Int32(TESSERA_PNG_OK) else { throw failure() }
        tessera_png_writer_close(writer)
        self.writer = nil
        try output.commit()
    }

    public func abort() {
        if let writer { tessera_png_writer_close(writer) }
        writer = nil
        output.discard()
    }

    /// Gives up after a bridge error and returns it as a Swift error.
    private func failure() -> ImageIOError {
        let reason = writer.map { String(cString: tessera_png_writer_message($0)) } ?? "sink is closed"
        abort()
        return .writeFailed(path: path, reason: reason)
    }

    /// pHYs values (pixels per metre when `metre`), or nil when the metadata has none that fits.
    static func physicalResolution(_ metadata: ImageMetadata) -> (UInt32, UInt32, Bool)? {
        guard let rx = metadata.resolutionX, let ry = metadata.resolutionY else { return nil }
        let scale: Double
        switch metadata.resolutionUnit {
        case .inch: scale = 1 / 0.0254
        case .centimetre: scale = 100
        case .none: scale = 1
        }
        let x = (rx * scale).rounded(), y = (ry * scale).rounded()
        // pHYs holds PNG four-byte unsigned integers, which PNG limits to 2^31 − 1.
        guard x.isFinite, y.isFinite, x >= 1, y >= 1, x <= Double(Int32.max), y <= Double(Int32.max) else {
            return nil
        }
        return (UInt32(x), UInt32(y), metadata.resolutionUnit != .none)
    }

    private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let text else { return body(nil) }
        return text.withCString { body($0) }
    }
}
