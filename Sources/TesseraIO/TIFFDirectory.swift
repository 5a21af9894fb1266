import CTIFF

/// The fields of the current TIFF directory (page) that decoding depends on,
/// read once through `LibTIFFHandle`'s typed accessors, with TIFF's defaults.
struct TIFFDirectory {
    var width: Int
    var height: Int
    var bitsPerSample: Int
    var samplesPerPixel: Int
    /// 1 unsigned, 2 signed, 3 float, 4 untyped, …
    var sampleFormat: UInt16
    /// PhotometricInterpretation; nil when the tag is missing (checked after the sample format,
    /// so that a float file without one is reported as float).
    var photometric: UInt16?
    var compression: UInt16
    var planarSeparate: Bool
    var isTiled: Bool
    var tileWidth: Int
    var tileHeight: Int
    /// Clamped to the image height (libtiff's default is 2^32 − 1, one strip).
    var rowsPerStrip: Int
    var metadata: ImageMetadata

    init(handle: LibTIFFHandle, path: String) throws {
        guard let width = handle.uint32(UInt32(TIFFTAG_IMAGEWIDTH)),
            let height = handle.uint32(UInt32(TIFFTAG_IMAGELENGTH)), width > 0, height > 0
        else {
            throw ImageIOError.malformed(path: path, detail: "the image has no width or height")
        }
        self.width = Int(width)
        self.height = Int(height)
        bitsPerSample = Int(handle.uint16(UInt32(TIFFTAG_BITSPERSAMPLE), defaulted: true) ?? 1)
        samplesPerPixel = Int(handle.uint16(UInt32(TIFFTAG_SAMPLESPERPIXEL), defaulted: true) ?? 1)
        sampleFormat = handle.uint16(UInt32(TIFFTAG_SAMPLEFORMAT), defaulted: true) ?? 1
        compression = handle.uint16(UInt32(TIFFTAG_COMPRESSION), defaulted: true) ?? 1
        planarSeparate =
            (handle.uint16(UInt32(TIFFTAG_PLANARCONFIG), defaulted: true) ?? 1) == UInt16(PLANARCONFIG_SEPARATE)
        photometric = handle.uint16(UInt32(TIFFTAG_PHOTOMETRIC))
        guard bitsPerSample >= 1, samplesPerPixel >= 1 else {
            throw ImageIOError.malformed(
                path: path, detail: "\(bitsPerSample) bits per sample, \(samplesPerPixel) samples per pixel")
        }
        isTiled = TIFFIsTiled(handle.tif) != 0
        if isTiled {
            tileWidth = Int(handle.uint32(UInt32(TIFFTAG_TILEWIDTH)) ?? 0)
            tileHeight = Int(handle.uint32(UInt32(TIFFTAG_TILELENGTH)) ?? 0)
            guard tileWidth > 0, tileHeight > 0 else {
                throw ImageIOError.malformed(path: path, detail: "tile size \(tileWidth)x\(tileHeight)")
            }
            rowsPerStrip = 0
        } else {
            tileWidth = 0
            tileHeight = 0
            let rows = Int(handle.uint32(UInt32(TIFFTAG_ROWSPERSTRIP), defaulted: true) ?? UInt32.max)
            guard rows > 0 else { throw ImageIOError.malformed(path: path, detail: "RowsPerStrip is 0") }
            rowsPerStrip = min(rows, self.height)
        }
        metadata = TIFFDirectory.readMetadata(handle)
    }

    private static func readMetadata(_ handle: LibTIFFHandle) -> ImageMetadata {
        var metadata = ImageMetadata()
        if let x = handle.float(UInt32(TIFFTAG_XRESOLUTION)), let y = handle.float(UInt32(TIFFTAG_YRESOLUTION)),
            x.isFinite, y.isFinite, x > 0, y > 0
        {
            metadata.resolutionX = Double(x)
            metadata.resolutionY = Double(y)
            // TIFF's default unit is the inch.
            switch handle.uint16(UInt32(TIFFTAG_RESOLUTIONUNIT), defaulted: true) ?? 2 {
            case 2: metadata.resolutionUnit = .inch
            case 3: metadata.resolutionUnit = .centimetre
            default: metadata.resolutionUnit = .none
            }
        }
        if let icc = handle.bytes(UInt32(TIFFTAG_ICCPROFILE)), !icc.isEmpty {
            metadata.iccProfile = icc
        }
        if let orientation = handle.uint16(UInt32(TIFFTAG_ORIENTATION)), (1...8).contains(orientation) {
            metadata.orientation = Int(orientation)
        }
        metadata.description = handle.string(UInt32(TIFFTAG_IMAGEDESCRIPTION))
        metadata.pageName = handle.string(UInt32(TIFFTAG_PAGENAME))
        return metadata
    }
}
