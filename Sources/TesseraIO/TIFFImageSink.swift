import CTIFF

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TIFF output through libtiff: tiled, Deflate (with the horizontal predictor
/// for 8- and 16-bit samples) or uncompressed, BigTIFF when the image may pass 4 GB.
///
/// Grey is written min-is-black, RGB as RGB, alpha as an unassociated extra
/// sample; 1-, 2- and 4-bit grey is packed most significant bit first. Bands of
/// any height are gathered into one row of tiles (tile size × width), which is
/// written out as soon as it is full, so memory does not grow with the height.
/// The file is written under a temporary name and renamed into place by `finish()`.
public final class TIFFImageSink: ImageSink {
    public let path: String
    public let info: ImageInfo

    private let output: AtomicOutput
    private var handle: LibTIFFHandle?
    private let tileSize: Int
    /// Bytes of one canonical row (`PixelBuffer` layout).
    private let rowBytes: Int
    /// Bytes of one tile as libtiff stores it, and of one of its rows.
    private let tileBytes: Int
    private let tileRowBytes: Int
    /// Canonical rows of the current row of tiles.
    private var pending: [UInt8]
    private var pendingRows = 0
    /// One tile in file layout, reused.
    private var tile: [UInt8]
    private var rowsReceived = 0
    private var tileRowsWritten = 0
    /// Set once `finish()` has renamed the file into place; `abort()` then leaves it alone.
    private var committed = false

    /// Uncompressed sizes above this are written as BigTIFF under `.auto`: well
    /// below 4 GB, since Deflate can expand incompressible data slightly and the
    /// directory and tile tables need room too.
    static let bigTIFFThreshold = 3_500_000_000

    public init(path: String, info: ImageInfo, options: WriteOptions = .init()) throws {
        self.path = path
        self.info = info
        let format = info.format
        guard info.width > 0, info.height > 0, info.width <= Int(UInt32.max), info.height <= Int(UInt32.max) else {
            throw ImageIOError.invalidRequest(path: path, detail: "image size \(info.width)x\(info.height) cannot be written")
        }
        guard options.tileSize >= 16, options.tileSize % 16 == 0, options.tileSize <= 1 << 16 else {
            throw ImageIOError.invalidRequest(
                path: path, detail: "TIFF tile size \(options.tileSize) is not a multiple of 16 between 16 and 65536")
        }
        tileSize = options.tileSize
        let bits = format.bitDepth
        let channels = format.channels

        // Sizes, overflow-checked: the canonical row of tiles and the file's tile.
        func product(_ factors: Int...) throws -> Int {
            var total = 1
            for factor in factors {
                let (next, overflow) = total.multipliedReportingOverflow(by: factor)
                if overflow {
                    throw ImageIOError.invalidRequest(path: path, detail: "image \(info.width)x\(info.height) is too large")
                }
                total = next
            }
            return total
        }
        rowBytes = try product(info.width, format.bytesPerPixel)
        let pendingBytes = try product(rowBytes, tileSize)
        tileRowBytes = (try product(tileSize, channels, bits) + 7) / 8
        tileBytes = try product(tileRowBytes, tileSize)
        let fileRowBytes = (try product(info.width, channels, bits) + 7) / 8
        let uncompressed = try product(fileRowBytes, info.height)

        let big: Bool
        switch options.bigTIFF {
        case .always: big = true
        case .never: big = false
        case .auto: big = uncompressed > TIFFImageSink.bigTIFFThreshold
        }

        output = AtomicOutput(finalPath: path)
        let handle = try LibTIFFHandle.open(
            path: output.temporaryPath, mode: big ? "w8" : "w", maxSingleAllocation: 0, reportAs: path)
        self.handle = handle
        pending = []
        tile = []
        do {
            try writeTags(handle, options: options)
        } catch {
            abort()
            throw error
        }
        pending = [UInt8](repeating: 0, count: pendingBytes)
        tile = [UInt8](repeating: 0, count: tileBytes)
    }

    private func writeTags(_ handle: LibTIFFHandle, options: WriteOptions) throws {
        let format = info.format
        var ok = true
        ok = ok && handle.set(UInt32(TIFFTAG_IMAGEWIDTH), uint32: UInt32(info.width))
        ok = ok && handle.set(UInt32(TIFFTAG_IMAGELENGTH), uint32: UInt32(info.height))
        ok = ok && handle.set(UInt32(TIFFTAG_BITSPERSAMPLE), uint16: format.bitDepth)
        ok = ok && handle.set(UInt32(TIFFTAG_SAMPLESPERPIXEL), uint16: format.channels)
        ok = ok && handle.set(UInt32(TIFFTAG_SAMPLEFORMAT), uint16: Int(SAMPLEFORMAT_UINT))
        ok = ok && handle.set(UInt32(TIFFTAG_PLANARCONFIG), uint16: Int(PLANARCONFIG_CONTIG))
        let rgb = format.colorModel == .rgb || format.colorModel == .rgba
        ok = ok && handle.set(
            UInt32(TIFFTAG_PHOTOMETRIC), uint16: Int(rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK))
        if format.colorModel.hasAlpha {
            ok = ok && handle.setExtraSamples([UInt16(EXTRASAMPLE_UNASSALPHA)])
        }
        ok = ok && handle.set(UInt32(TIFFTAG_TILEWIDTH), uint32: UInt32(tileSize))
        ok = ok && handle.set(UInt32(TIFFTAG_TILELENGTH), uint32: UInt32(tileSize))
        switch options.tiffCompression {
        case .none:
            ok = ok && handle.set(UInt32(TIFFTAG_COMPRESSION), uint16: Int(COMPRESSION_NONE))
        case .deflate:
            ok = ok && handle.set(UInt32(TIFFTAG_COMPRESSION), uint16: 8)  // Adobe Deflate
            // Level 0 would store the data uncompressed inside Deflate; `.none` says that plainly.
            ok = ok && handle.set(UInt32(TIFFTAG_ZIPQUALITY), uint16: min(max(options.deflateLevel, 1), 9))
            // Horizontal differencing helps photographs and scans; libtiff offers it for 8 and 16 bits.
            if format.bitDepth >= 8 {
                ok = ok && handle.set(UInt32(TIFFTAG_PREDICTOR), uint16: Int(PREDICTOR_HORIZONTAL))
            }
        }
        let metadata = info.metadata
        if let x = metadata.resolutionX, let y = metadata.resolutionY, x.isFinite, y.isFinite, x > 0, y > 0 {
            ok = ok && handle.set(UInt32(TIFFTAG_XRESOLUTION), double: x)
            ok = ok && handle.set(UInt32(TIFFTAG_YRESOLUTION), double: y)
            let unit: Int32
            switch metadata.resolutionUnit {
            case .none: unit = RESUNIT_NONE
            case .inch: unit = RESUNIT_INCH
            case .centimetre: unit = RESUNIT_CENTIMETER
            }
            ok = ok && handle.set(UInt32(TIFFTAG_RESOLUTIONUNIT), uint16: Int(unit))
        }
        if let icc = metadata.iccProfile, !icc.isEmpty {
            ok = ok && handle.set(UInt32(TIFFTAG_ICCPROFILE), bytes: icc)
        }
        if let orientation = metadata.orientation, (1...8).contains(orientation) {
            ok = ok && handle.set(UInt32(TIFFTAG_ORIENTATION), uint16: orientation)
        }
        if let description = metadata.description {
            ok = ok && handle.set(UInt32(TIFFTAG_IMAGEDESCRIPTION), string: description)
        }
        if let pageName = metadata.pageName {
            ok = ok && handle.set(UInt32(TIFFTAG_PAGENAME), string: pageName)
        }
        ok = ok && handle.set(UInt32(TIFFTAG_SOFTWARE), string: "Tessera")
        guard ok else {
            throw ImageIOError.writeFailed(
                path: path, reason: handle.diagnostics.errorText(or: "libtiff refused a TIFF tag"))
        }
    }

    public func write(_ band: PixelBuffer) throws {
        guard handle != nil else { throw ImageIOError.writeFailed(path: path, reason: "sink is closed") }
        guard band.width == info.width, band.format == info.format else {
            throw ImageIOError.invalidRequest(
                path: path,
                detail: "band is \(band.width) pixels \(band.format), the image is \(info.width) pixels \(info.format)")
        }
        guard rowsReceived + band.height <= info.height else {
            throw ImageIOError.invalidRequest(
                path: path, detail: "more rows written than the image's \(info.height)")
        }
        var consumed = 0
        while consumed < band.height {
            let rows = min(band.height - consumed, tileSize - pendingRows)
            let count = rows * rowBytes
            pending.withUnsafeMutableBytes { dst in
                band.bytes.withUnsafeBytes { src in
                    guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                    (d + pendingRows * rowBytes).copyMemory(from: s + consumed * rowBytes, byteCount: count)
                }
            }
            consumed += rows
            pendingRows += rows
            rowsReceived += rows
            if pendingRows == tileSize || rowsReceived == info.height {
                try writeTileRow()
            }
        }
    }

    /// Encodes the gathered rows as one row of tiles, padding edge tiles with zeros.
    private func writeTileRow() throws {
        guard let handle else { throw ImageIOError.writeFailed(path: path, reason: "sink is closed") }
        let y = tileRowsWritten * tileSize
        let bytesPerPixel = info.format.bytesPerPixel
        let bits = info.format.bitDepth
        for x in stride(from: 0, to: info.width, by: tileSize) {
            let columns = min(tileSize, info.width - x)
            tile.withUnsafeMutableBytes { dst in
                pending.withUnsafeBytes { src in
                    guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                    d.initializeMemory(as: UInt8.self, repeating: 0, count: dst.count)
                    for r in 0..<pendingRows {
                        let from = s + r * rowBytes + x * bytesPerPixel
                        let to = d + r * tileRowBytes
                        if bits >= 8 {
                            to.copyMemory(from: from, byteCount: columns * bytesPerPixel)
                        } else {
                            TIFFImageSink.pack(
                                from.assumingMemoryBound(to: UInt8.self), count: columns, bits: bits,
                                into: to.assumingMemoryBound(to: UInt8.self))
                        }
                    }
                }
            }
            let index = TIFFComputeTile(handle.tif, UInt32(x), UInt32(y), 0, 0)
            let written = tile.withUnsafeMutableBytes {
                TIFFWriteEncodedTile(handle.tif, index, $0.baseAddress, tmsize_t(tileBytes))
            }
            guard written >= 0 else {
                let reason = handle.diagnostics.errorText(or: "libtiff could not write tile \(index)")
                abort()
                throw ImageIOError.writeFailed(path: path, reason: reason)
            }
        }
        tileRowsWritten += 1
        pendingRows = 0
    }

    /// Packs `count` samples of 1, 2 or 4 bits (one per byte) into bytes, MSB first.
    private static func pack(
        _ source: UnsafePointer<UInt8>, count: Int, bits: Int, into destination: UnsafeMutablePointer<UInt8>
    ) {
        let perByte = 8 / bits
        let mask = UInt8((1 << bits) - 1)
        var i = 0
        var byteIndex = 0
        while i < count {
            var byte: UInt8 = 0
            let n = min(perByte, count - i)
            for k in 0..<n {
                byte |= (source[i + k] & mask) << UInt8(8 - bits * (k + 1))
            }
            destination[byteIndex] = byte
            byteIndex += 1
            i += n
        }
    }

    public func finish() throws {
        guard let handle else { throw ImageIOError.writeFailed(path: path, reason: "sink is closed") }
        guard rowsReceived == info.height else {
            abort()
            throw ImageIOError.writeFailed(
                path: path, reason: "only \(rowsReceived) of \(info.height) rows were written")
        }
        // TIFFClose cannot report failure: flush (directory included) first and check.
        guard TIFFFlush(handle.tif) == 1, handle.diagnostics.errorCount == 0 else {
            let reason = handle.diagnostics.errorText(or: "libtiff could not finish the file")
            abort()
            throw ImageIOError.writeFailed(path: path, reason: reason)
        }
        handle.close()
        self.handle = nil
        try output.commit()
        committed = true
    }

    public func abort() {
        handle?.close()
        handle = nil
        if !committed { output.discard() }
    }

    deinit {
        if handle != nil { abort() }
    }
}
