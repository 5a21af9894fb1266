import CTIFF

/// TIFF input through libtiff: one page, streamed top to bottom.
///
/// Pixels are normalised by the canonical rules (min-is-black grey, palettes
/// expanded to RGB, odd depths widened by bit replication, YCbCr and old-style
/// JPEG converted to RGB by libtiff). Memory holds one strip or one row of tiles
/// at a time, converted, plus libtiff's own strip or tile buffer; strips too big
/// for that are read a few scanlines at a time instead.
public final class TIFFImageSource: ImageSource {
    public let path: String
    public let info: ImageInfo
    public let fileDescription: FileDescription
    public private(set) var nextRow = 0

    /// How stored samples become canonical pixels.
    private enum Route {
        /// Samples from `TIFFReadEncoded…`/`TIFFReadScanline`, converted here.
        /// `planes` is 1 for contiguous images, else the number of planes read.
        case samples(TIFFSampleConverter, storedSamplesPerPixel: Int, keptSamples: Int, planes: Int)
        /// libtiff's RGBA interface (YCbCr other than JPEG, old-style JPEG): ABGR words.
        case rgba
    }

    /// How the file's pixel data is cut, and what one decoding unit is.
    private enum Storage {
        /// Whole strips; the unit is one strip.
        case strips(rowsPerStrip: Int, stripBytes: Int, rowBytes: Int)
        /// Strips too large to hold: a few scanlines at a time (contiguous samples only).
        case scanlines(rowsPerStrip: Int, rowBytes: Int, rowsPerUnit: Int)
        /// Tiles; the unit is one row of tiles.
        case tiles(width: Int, height: Int, tileBytes: Int, rowBytes: Int)
    }

    private let handle: LibTIFFHandle
    private let route: Route
    private let storage: Storage
    private let maxBufferBytes: Int
    /// Bytes of one canonical row.
    private let outputRowBytes: Int
    /// Rows one unit holds at most.
    private let unitCapacity: Int

    /// The decoded unit: canonical rows `unitStart ..< unitStart + unitRows`.
    private var unit: [UInt8] = []
    private var unitStart = 0
    private var unitRows = 0
    /// libtiff's output for one strip, tile or scanline (sample routes).
    private var stored: [UInt8] = []
    /// libtiff's RGBA output for one strip or tile (RGBA route).
    private var raster: [UInt32] = []

    /// Strips larger than this (decoded, or converted) are read by scanlines.
    private static let stripChunkLimit = 32 << 20

    public init(path: String, options: ReadOptions = .init()) throws {
        self.path = path
        maxBufferBytes = options.maxBufferBytes
        guard options.page >= 0 else {
            throw ImageIOError.invalidRequest(path: path, detail: "page \(options.page) does not exist")
        }
        handle = try LibTIFFHandle.open(
            path: path, mode: "rm", maxSingleAllocation: max(options.maxBufferBytes, 16 << 20))
        let diagnostics = handle.diagnostics
        // libtiff reports some damage in a directory it can still use as errors
        // (an unknown tag of an impossible type, say); it returns no handle when
        // the damage matters, so errors up to here are not fatal.
        diagnostics.clear()

        // Walking the page chain finds loops and broken links; libtiff reports a
        // loop only as a warning and stops there, but such a file is damaged.
        let warningsBefore = diagnostics.warningCount
        let pages = Int(TIFFNumberOfDirectories(handle.tif))
        if diagnostics.errorCount > 0 || diagnostics.warningCount > warningsBefore {
            throw ImageIOError.malformed(
                path: path, detail: diagnostics.lastError ?? diagnostics.lastWarning ?? "bad chain of pages")
        }
        guard options.page < pages else {
            throw ImageIOError.invalidRequest(
                path: path,
                detail: "page \(options.page) requested, but the file has \(pages) "
                    + "page\(pages == 1 ? "" : "s") (numbered from 0)")
        }
        if options.page > 0 {
            guard TIFFSetDirectory(handle.tif, tdir_t(options.page)) == 1 else {
                throw ImageIOError.malformed(
                    path: path, detail: diagnostics.errorText(or: "cannot read the directory of page \(options.page)"))
            }
        }
        diagnostics.clear()

        let directory = try TIFFDirectory(handle: handle, path: path)
        let plan = try TIFFImageSource.plan(directory, handle: handle, path: path)
        try TIFFStorageCheck.checkNoOverlap(handle, tiled: directory.isTiled, path: path)
        if directory.compression == 1 {
            try TIFFStorageCheck.checkUncompressedCounts(
                handle, tiled: directory.isTiled, rowsPerStrip: max(directory.rowsPerStrip, 1),
                height: directory.height, path: path)
        }
        route = plan.route

        let format = plan.format
        info = ImageInfo(width: directory.width, height: directory.height, format: format, metadata: directory.metadata)
        fileDescription = FileDescription(
            container: TIFFIsBigTIFF(handle.tif) != 0 ? "BigTIFF" : "TIFF",
            byteOrder: TIFFIsBigEndian(handle.tif) != 0 ? "big-endian" : "little-endian",
            pages: pages,
            layout: directory.isTiled
                ? "tiles \(directory.tileWidth)x\(directory.tileHeight)"
                : "strips of \(directory.rowsPerStrip) row\(directory.rowsPerStrip == 1 ? "" : "s")",
            compression: TIFFNames.compression(directory.compression),
            photometric: TIFFNames.photometric(directory.photometric ?? 0),
            bitsPerSample: directory.bitsPerSample, samplesPerPixel: directory.samplesPerPixel,
            planarConfiguration: directory.planarSeparate ? "separate" : "contiguous")

        // Sizes, checked before anything is allocated from them.
        let limits = TIFFBufferLimits(path: path, maxBytes: options.maxBufferBytes)
        outputRowBytes = try limits.product(directory.width, format.bytesPerPixel, what: "one row")
        let isRGBA: Bool
        if case .rgba = route { isRGBA = true } else { isRGBA = false }
        if directory.isTiled {
            let tileBytes = try limits.libtiffSize(TIFFTileSize64(handle.tif), what: "one tile", diagnostics)
            let tileRowBytes = try limits.libtiffSize(TIFFTileRowSize64(handle.tif), what: "one tile row", diagnostics)
            if isRGBA {
                _ = try limits.product(directory.tileWidth, directory.tileHeight, 4, what: "one RGBA tile")
            }
            _ = try limits.product(outputRowBytes, directory.tileHeight, what: "one row of tiles")
            storage = .tiles(
                width: directory.tileWidth, height: directory.tileHeight, tileBytes: tileBytes, rowBytes: tileRowBytes)
            unitCapacity = min(directory.tileHeight, directory.height)
        } else {
            let rps = directory.rowsPerStrip
            let rowBytes = try limits.libtiffSize(TIFFScanlineSize64(handle.tif), what: "one scanline", diagnostics)
            let stripBytes = try limits.libtiffSize(
                TIFFStripSize64(handle.tif), what: "one strip", diagnostics, checkLimit: false)
            let (unitBytes, overflow) = outputRowBytes.multipliedReportingOverflow(by: rps)
            let chunkLimit = min(options.maxBufferBytes, TIFFImageSource.stripChunkLimit)
            let contiguousSamples: Bool
            if case .samples(_, _, _, let planes) = route, planes == 1 { contiguousSamples = true } else {
                contiguousSamples = false
            }
            if contiguousSamples && (overflow || unitBytes > chunkLimit || stripBytes > chunkLimit) {
                let rowsPerUnit = max(1, min(rps, chunkLimit / max(outputRowBytes, rowBytes)))
                storage = .scanlines(rowsPerStrip: rps, rowBytes: rowBytes, rowsPerUnit: rowsPerUnit)
                unitCapacity = rowsPerUnit
            } else {
                _ = try limits.check(stripBytes, what: "one strip")
                _ = try limits.product(outputRowBytes, rps, what: "one strip, decoded")
                if isRGBA { _ = try limits.product(directory.width, rps, 4, what: "one RGBA strip") }
                storage = .strips(rowsPerStrip: rps, stripBytes: stripBytes, rowBytes: rowBytes)
                unitCapacity = rps
            }
        }
    }

    // MARK: Deciding how to decode

    private struct Plan {
        var route: Route
        var format: PixelFormat
    }

    /// Chooses the canonical format and the decoding route, or says why the page is not supported.
    private static func plan(_ d: TIFFDirectory, handle: LibTIFFHandle, path: String) throws -> Plan {
        func unsupported(_ what: String) -> ImageIOError { .unsupported(path: path, what: what) }
        // The colour model first: a CMYK or LogLuv file is reported as such whatever its samples.
        func checkColorModel(_ photometric: UInt16) throws {
            switch photometric {
            case 5: throw unsupported("CMYK (separated) colour is not supported")
            case 8, 9, 10: throw unsupported("\(TIFFNames.photometric(photometric)) colour is not supported")
            case 32844, 32845:
                throw unsupported("\(TIFFNames.photometric(photometric)) (SGI log) colour is not supported")
            case 0, 1, 2, 3, 6: break
            default: throw unsupported("\(TIFFNames.photometric(photometric)) colour is not supported")
            }
        }
        if let photometric = d.photometric { try checkColorModel(photometric) }
        if d.sampleFormat != 1 && d.sampleFormat != 4 {
            throw unsupported("\(TIFFNames.sampleFormat(d.sampleFormat)) samples are not supported")
        }
        if d.bitsPerSample > 16 {
            throw unsupported("\(d.bitsPerSample)-bit samples are not supported (16 at most)")
        }
        guard let photometric = d.photometric else {
            throw ImageIOError.malformed(path: path, detail: "no PhotometricInterpretation tag")
        }
        if TIFFIsCODECConfigured(d.compression) == 0 {
            throw unsupported("compression \(TIFFNames.compression(d.compression)) (libtiff was built without it)")
        }

        let bits = d.bitsPerSample
        let spp = d.samplesPerPixel
        let isOldJPEG = d.compression == 6
        if photometric == 6 || isOldJPEG {
            // YCbCr and old-style JPEG: libtiff converts to RGB (rule 7).
            if bits != 8 { throw unsupported("YCbCr with \(bits)-bit samples is not supported (8 only)") }
            if photometric == 6 && d.compression == 7 && !d.planarSeparate && spp == 3 {
                guard handle.set(UInt32(TIFFTAG_JPEGCOLORMODE), uint16: Int(JPEGCOLORMODE_RGB)) else {
                    throw ImageIOError.malformed(
                        path: path, detail: handle.diagnostics.errorText(or: "cannot decode its JPEG data as RGB"))
                }
                let converter = TIFFSampleConverter(storedBits: 8, outputDepth: 8, outputChannels: 3, invertsGrey: false)
                return Plan(
                    route: .samples(converter, storedSamplesPerPixel: 3, keptSamples: 3, planes: 1), format: .rgb8)
            }
            var message = [CChar](repeating: 0, count: 1024)
            guard TIFFRGBAImageOK(handle.tif, &message) == 1 else {
                let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw unsupported("\(TIFFNames.photometric(photometric)) image that libtiff cannot convert: \(reason)")
            }
            return Plan(route: .rgba, format: .rgb8)
        }

        let model: PixelFormat.ColorModel
        var palette: [UInt8]? = nil
        switch photometric {
        case 0, 1:
            model = spp >= 2 ? .greyAlpha : .grey
        case 2:
            guard spp >= 3 else {
                throw ImageIOError.malformed(path: path, detail: "RGB image with \(spp) samples per pixel")
            }
            model = spp >= 4 ? .rgba : .rgb
        default:  // 3, palette
            if bits > 8 { throw unsupported("palette with \(bits)-bit indices is not supported (8 at most)") }
            if spp > 1 { throw unsupported("palette image with extra samples is not supported") }
            guard let map = handle.colormap(entries: 1 << bits) else {
                throw ImageIOError.malformed(path: path, detail: "palette image without a ColorMap")
            }
            var rgb = [UInt8](repeating: 0, count: 3 << bits)
            for i in 0..<(1 << bits) {
                rgb[3 * i] = UInt8(map.red[i] >> 8)
                rgb[3 * i + 1] = UInt8(map.green[i] >> 8)
                rgb[3 * i + 2] = UInt8(map.blue[i] >> 8)
            }
            palette = rgb
            model = .rgb
        }
        let depth = palette != nil ? 8 : BitReplication.canonicalDepth(forStored: bits, keepsSmallDepths: model == .grey)
        let kept = palette != nil ? 1 : model.channels
        let converter = TIFFSampleConverter(
            storedBits: bits, outputDepth: depth, outputChannels: model.channels, invertsGrey: photometric == 0,
            palette: palette)
        let route: Route =
            d.planarSeparate
            ? .samples(converter, storedSamplesPerPixel: 1, keptSamples: 1, planes: kept)
            : .samples(converter, storedSamplesPerPixel: spp, keptSamples: kept, planes: 1)
        return Plan(route: route, format: PixelFormat(colorModel: model, bitDepth: depth))
    }

    // MARK: Reading

    /// Skipping costs nothing: the strip or tile row holding the next row read
    /// is decoded when that row is asked for.
    public func skipRows(_ count: Int) throws {
        nextRow = min(info.height, nextRow + max(count, 0))
    }

    public func readBand(maxRows: Int) throws -> PixelBuffer? {
        let height = info.height
        guard nextRow < height else { return nil }
        // A band never exceeds the buffer limit: "up to maxRows" rows.
        let affordable = max(1, maxBufferBytes / max(outputRowBytes, 1))
        let rows = min(max(maxRows, 1), height - nextRow, affordable)
        var band = PixelBuffer(width: info.width, height: rows, format: info.format)
        var row = nextRow
        let rowBytes = outputRowBytes
        while row < nextRow + rows {
            if row < unitStart || row >= unitStart + unitRows {
                try decodeUnit(containing: row)
            }
            let take = min(nextRow + rows - row, unitStart + unitRows - row)
            band.bytes.withUnsafeMutableBytes { dst in
                unit.withUnsafeBytes { src in
                    guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                    (d + (row - nextRow) * rowBytes).copyMemory(
                        from: s + (row - unitStart) * rowBytes, byteCount: take * rowBytes)
                }
            }
            row += take
        }
        nextRow += rows
        return band
    }

    private func malformed(_ fallback: String) -> ImageIOError {
        let error = ImageIOError.malformed(path: path, detail: handle.diagnostics.errorText(or: fallback))
        handle.diagnostics.clear()
        return error
    }

    /// Throws when a decoder warned that the data it just decoded is damaged.
    private func checkDamage(_ what: String) throws {
        if let damage = handle.diagnostics.lastDamage {
            handle.diagnostics.clear()
            throw ImageIOError.malformed(path: path, detail: "\(what): \(damage)")
        }
    }

    /// Decodes the strip, scanlines or row of tiles that holds `row` into `unit`.
    private func decodeUnit(containing row: Int) throws {
        if unit.isEmpty { unit = [UInt8](repeating: 0, count: unitCapacity * outputRowBytes) }
        unitRows = 0  // invalid until this decode succeeds
        switch storage {
        case .strips(let rps, let stripBytes, let rowBytes):
            let start = row - row % rps
            let rows = min(rps, info.height - start)
            try decodeStrip(firstRow: start, rows: rows, stripBytes: stripBytes, rowBytes: rowBytes)
            unitStart = start
            unitRows = rows
        case .scanlines(let rps, let rowBytes, let rowsPerUnit):
            // Units never cross a strip boundary, so each starts a whole number of units into its strip.
            let stripStart = row - row % rps
            let start = stripStart + (row - stripStart) / rowsPerUnit * rowsPerUnit
            let rows = min(rowsPerUnit, stripStart + rps - start, info.height - start)
            try decodeScanlines(firstRow: start, rows: rows, rowBytes: rowBytes)
            unitStart = start
            unitRows = rows
        case .tiles(let tileWidth, let tileHeight, let tileBytes, let rowBytes):
            let start = row - row % tileHeight
            let rows = min(tileHeight, info.height - start)
            try decodeTileRow(
                firstRow: start, rows: rows, tileWidth: tileWidth, tileHeight: tileHeight, tileBytes: tileBytes,
                rowBytes: rowBytes)
            unitStart = start
            unitRows = rows
        }
    }

    private func decodeStrip(firstRow: Int, rows: Int, stripBytes: Int, rowBytes: Int) throws {
        let tif = handle.tif
        switch route {
        case .rgba:
            if raster.isEmpty { raster = [UInt32](repeating: 0, count: info.width * unitCapacity) }
            let ok = raster.withUnsafeMutableBufferPointer {
                TIFFReadRGBAStripExt(tif, UInt32(firstRow), $0.baseAddress, 1)
            }
            guard ok == 1 else { throw malformed("cannot decode the strip at row \(firstRow)") }
            try checkDamage("strip at row \(firstRow)")
            // The raster is bottom-up: its line k holds image row firstRow + rows − 1 − k.
            copyRaster(rows: rows, columns: info.width, stride: info.width, firstLine: { rows - 1 - $0 }, x: 0)
        case .samples(let converter, let spp, let kept, let planes):
            if stored.isEmpty { stored = [UInt8](repeating: 0, count: stripBytes) }
            for plane in 0..<planes {
                let strip = TIFFComputeStrip(tif, UInt32(firstRow), UInt16(plane))
                let expected = rows * rowBytes
                let got = stored.withUnsafeMutableBytes {
                    TIFFReadEncodedStrip(tif, strip, $0.baseAddress, tmsize_t($0.count))
                }
                guard got >= 0 else { throw malformed("cannot decode strip \(strip)") }
                try checkDamage("strip \(strip)")
                guard got >= expected else {
                    throw ImageIOError.malformed(
                        path: path, detail: "strip \(strip) holds \(got) bytes of pixel data, \(expected) expected")
                }
                convertRows(
                    converter, rows: rows, rowBytes: rowBytes, samplesPerPixel: spp, keptSamples: kept,
                    plane: planes > 1 ? plane : 0, columns: info.width, x: 0)
            }
        }
    }

    private func decodeScanlines(firstRow: Int, rows: Int, rowBytes: Int) throws {
        guard case .samples(let converter, let spp, let kept, _) = route else { return }
        if stored.isEmpty { stored = [UInt8](repeating: 0, count: rowBytes) }
        let rowOut = outputRowBytes
        for r in 0..<rows {
            let ok = stored.withUnsafeMutableBytes { TIFFReadScanline(handle.tif, $0.baseAddress, UInt32(firstRow + r), 0) }
            guard ok == 1 else { throw malformed("cannot decode row \(firstRow + r)") }
            try checkDamage("row \(firstRow + r)")
            stored.withUnsafeBytes { src in
                unit.withUnsafeMutableBytes { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                    converter.convert(
                        source: s, samplesPerPixel: spp, pixels: info.width, into: d + r * rowOut, firstChannel: 0,
                        channelCount: kept)
                }
            }
        }
    }

    private func decodeTileRow(
        firstRow: Int, rows: Int, tileWidth: Int, tileHeight: Int, tileBytes: Int, rowBytes: Int
    ) throws {
        let tif = handle.tif
        let width = info.width
        for x in stride(from: 0, to: width, by: tileWidth) {
            let columns = min(tileWidth, width - x)
            switch route {
            case .rgba:
                if raster.isEmpty { raster = [UInt32](repeating: 0, count: tileWidth * tileHeight) }
                let ok = raster.withUnsafeMutableBufferPointer {
                    TIFFReadRGBATileExt(tif, UInt32(x), UInt32(firstRow), $0.baseAddress, 1)
                }
                guard ok == 1 else { throw malformed("cannot decode the tile at (\(x), \(firstRow))") }
                try checkDamage("tile at (\(x), \(firstRow))")
                // Bottom-up, and an edge tile's rows sit at the bottom of the raster:
                // image row firstRow + i is raster line tileHeight − 1 − i.
                copyRaster(rows: rows, columns: columns, stride: tileWidth, firstLine: { tileHeight - 1 - $0 }, x: x)
            case .samples(let converter, let spp, let kept, let planes):
                if stored.isEmpty { stored = [UInt8](repeating: 0, count: tileBytes) }
                for plane in 0..<planes {
                    let tile = TIFFComputeTile(tif, UInt32(x), UInt32(firstRow), 0, UInt16(plane))
                    let got = stored.withUnsafeMutableBytes {
                        TIFFReadEncodedTile(tif, tile, $0.baseAddress, tmsize_t($0.count))
                    }
                    guard got >= 0 else { throw malformed("cannot decode tile \(tile)") }
                    try checkDamage("tile \(tile)")
                    guard got >= rows * rowBytes else {
                        throw ImageIOError.malformed(
                            path: path, detail: "tile \(tile) holds \(got) bytes of pixel data, \(tileBytes) expected")
                    }
                    convertRows(
                        converter, rows: rows, rowBytes: rowBytes, samplesPerPixel: spp, keptSamples: kept,
                        plane: planes > 1 ? plane : 0, columns: columns, x: x)
                }
            }
        }
    }

    /// Converts `rows` stored rows from `stored` into `unit`, at column `x`.
    private func convertRows(
        _ converter: TIFFSampleConverter, rows: Int, rowBytes: Int, samplesPerPixel: Int, keptSamples: Int,
        plane: Int, columns: Int, x: Int
    ) {
        let rowOut = outputRowBytes
        let pixelOffset = x * info.format.bytesPerPixel
        stored.withUnsafeBytes { src in
            unit.withUnsafeMutableBytes { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for r in 0..<rows {
                    converter.convert(
                        source: s + r * rowBytes, samplesPerPixel: samplesPerPixel, pixels: columns,
                        into: d + r * rowOut + pixelOffset, firstChannel: plane, channelCount: keptSamples)
                }
            }
        }
    }

    /// Copies RGB out of the RGBA raster (ABGR words: red in the low byte) into `unit`.
    private func copyRaster(rows: Int, columns: Int, stride: Int, firstLine line: (Int) -> Int, x: Int) {
        let rowOut = outputRowBytes
        raster.withUnsafeBufferPointer { src in
            unit.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows {
                    let s = line(r) * stride
                    let d = r * rowOut + x * 3
                    for c in 0..<columns {
                        let v = src[s + c]
                        dst[d + 3 * c] = UInt8(truncatingIfNeeded: v)
                        dst[d + 3 * c + 1] = UInt8(truncatingIfNeeded: v >> 8)
                        dst[d + 3 * c + 2] = UInt8(truncatingIfNeeded: v >> 16)
                    }
                }
            }
        }
    }
}
