/// Readable names for TIFF code values, for `FileDescription` and error messages.
enum TIFFNames {
    static func compression(_ code: UInt16) -> String {
        switch code {
        case 1: "none"
        case 2: "CCITT RLE"
        case 3: "CCITT G3"
        case 4: "CCITT G4"
        case 5: "LZW"
        case 6: "old-style JPEG"
        case 7: "JPEG"
        case 8, 32946: "Deflate"
        case 9: "JBIG (T.85)"
        case 10: "JBIG2 (T.43)"
        case 32766: "NeXT"
        case 32771: "CCITT RLE (word-aligned)"
        case 32773: "PackBits"
        case 32809: "ThunderScan"
        case 32895, 32896, 32897, 32898: "IT8"
        case 32908: "PixarFilm"
        case 32909: "PixarLog"
        case 32947: "Kodak DCS"
        case 34661: "JBIG"
        case 34676: "SGILog"
        case 34677: "SGILog24"
        case 34712: "JPEG 2000"
        case 34887: "LERC"
        case 34892: "lossy JPEG (DNG)"
        case 34925: "LZMA"
        case 50000: "ZSTD"
        case 50001: "WebP"
        case 50002, 52546: "JPEG XL"
        default: "compression \(code)"
        }
    }

    static func photometric(_ code: UInt16) -> String {
        switch code {
        case 0: "min-is-white"
        case 1: "min-is-black"
        case 2: "RGB"
        case 3: "palette"
        case 4: "transparency mask"
        case 5: "separated (CMYK)"
        case 6: "YCbCr"
        case 8: "CIELab"
        case 9: "ICCLab"
        case 10: "ITULab"
        case 32803: "colour filter array"
        case 32844: "LogL"
        case 32845: "LogLuv"
        case 34892: "linear raw"
        default: "photometric \(code)"
        }
    }

    static func sampleFormat(_ code: UInt16) -> String {
        switch code {
        case 1: "unsigned integer"
        case 2: "signed integer"
        case 3: "floating-point"
        case 4: "untyped"
        case 5: "complex signed integer"
        case 6: "complex floating-point"
        default: "sample format \(code)"
        }
    }
}
