import PNGBridge

/// What a PNG says before its image data (IHDR, PLTE, tRNS, pHYs, iCCP, text),
/// copied out of the bridge, and how it maps to Tessera's canonical pixels.
struct PNGHeader {
    let width: Int
    let height: Int
    /// Bits per sample as stored: 1, 2, 4, 8 or 16.
    let bitDepth: Int
    /// PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.
    let colorType: Int
    /// Samples per pixel as stored (a palette image has 1).
    let channels: Int
    let interlaced: Bool
    /// PLTE as RGB triples.
    let palette: [UInt8]
    /// tRNS for palette images: alpha of the first entries.
    let paletteAlpha: [UInt8]
    let hasTransparency: Bool
    /// tRNS for grey (`transparentColor[0]`) or RGB images, as stored.
    let transparentColor: [UInt16]
    let metadata: ImageMetadata

    init(_ h: tessera_png_header) {
        width = Int(h.width)
        height = Int(h.height)
        bitDepth = Int(h.bit_depth)
        colorType = Int(h.color_type)
        channels = Int(h.channels)
        interlaced = h.interlaced != 0
        palette = PNGHeader.bytes(h.palette, count: 3 * Int(max(h.palette_count, 0)))
        paletteAlpha = PNGHeader.bytes(h.trns_alpha, count: Int(max(h.trns_count, 0)))
        hasTransparency = h.trns_present != 0
        transparentColor =
            h.color_type == 0 ? [h.trns_grey] : [h.trns_red, h.trns_green, h.trns_blue]

        var metadata = ImageMetadata()
        if h.phys_present != 0, h.phys_x > 0, h.phys_y > 0 {
            if h.phys_unit == 1 {
                // PNG counts pixels per metre; Tessera keeps pixels per centimetre.
                metadata.resolutionUnit = .centimetre
                metadata.resolutionX = Double(h.phys_x) / 100
                metadata.resolutionY = Double(h.phys_y) / 100
            } else {
                // Unit unknown: the values only give the pixel aspect ratio.
                metadata.resolutionUnit = .none
                metadata.resolutionX = Double(h.phys_x)
                metadata.resolutionY = Double(h.phys_y)
            }
        }
        if h.icc != nil, h.icc_length > 0 {
            metadata.iccProfile = PNGHeader.bytes(h.icc, count: Int(h.icc_length))
        }
        if let text = h.description {
            let bytes = UnsafeRawBufferPointer(start: text, count: h.description_length)
            if h.description_is_utf8 != 0 {
                metadata.description = String(decoding: bytes, as: UTF8.self)
            } else {
                // tEXt and zTXt are Latin-1: each byte is the code point.
                metadata.description = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            }
        }
        self.metadata = metadata
    }

    private static func bytes(_ pointer: UnsafePointer<UInt8>?, count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The canonical format (canonical decoding rules 4 and 5).
    var canonicalFormat: PixelFormat {
        switch colorType {
        case 3:
            return PixelFormat(colorModel: hasTransparency ? .rgba : .rgb, bitDepth: 8)
        case 0 where hasTransparency:
            return PixelFormat(colorModel: .greyAlpha, bitDepth: max(bitDepth, 8))
        case 0:
            return PixelFormat(colorModel: .grey, bitDepth: bitDepth)
        case 2:
            return PixelFormat(colorModel: hasTransparency ? .rgba : .rgb, bitDepth: bitDepth)
        case 4:
            return PixelFormat(colorModel: .greyAlpha, bitDepth: bitDepth)
        default:
            return PixelFormat(colorModel: .rgba, bitDepth: bitDepth)
        }
    }

    /// Bytes one pixel takes in a bridge row (unpacked, not expanded).
    var bridgeBytesPerPixel: Int { channels * (bitDepth == 16 ? 2 : 1) }

    /// How a bridge row becomes a canonical row.
    var expanderMode: PNGRowExpander.Mode {
        switch colorType {
        case 3:
            return .palette(alpha: hasTransparency)
        case 0 where hasTransparency && bitDepth == 16:
            return .grey16Key(key: transparentColor[0])
        case 0 where hasTransparency:
            // Widening by bit replication: 1-bit ×255, 2-bit ×85, 4-bit ×17, 8-bit ×1.
            return .greyKey(scale: 255 / ((1 << bitDepth) - 1), key: Int(transparentColor[0]))
        case 2 where hasTransparency && bitDepth == 16:
            return .rgb16Key(red: transparentColor[0], green: transparentColor[1], blue: transparentColor[2])
        case 2 where hasTransparency:
            return .rgbKey(
                red: Int(transparentColor[0]), green: Int(transparentColor[1]), blue: Int(transparentColor[2]))
        default:
            return .copy
        }
    }

    var fileDescription: FileDescription {
        let photometric: String
        switch colorType {
        case 0: photometric = "grey"
        case 2: photometric = "RGB"
        case 3: photometric = "palette"
        case 4: photometric = "grey+alpha"
        default: photometric = "RGBA"
        }
        return FileDescription(
            container: "PNG", layout: interlaced ? "Adam7 interlaced" : "rows", compression: "Deflate",
            photometric: photometric, bitsPerSample: bitDepth, samplesPerPixel: channels)
    }
}
