/// Turns one row as the PNG bridge delivers it (samples below 8 bits one per
/// byte, unscaled; 16-bit samples in host order; palette indices unexpanded)
/// into the canonical row of `PixelFormat` (docs: canonical decoding rules 4, 5).
struct PNGRowExpander {
    enum Mode: Equatable {
        /// The bridge's row already is the canonical row.
        case copy
        /// Palette indices → RGB or RGBA through `table`.
        case palette(alpha: Bool)
        /// Grey with a tRNS grey value: alpha added; depths below 8 widened to 8.
        case greyKey(scale: Int, key: Int)
        /// Grey 16-bit with a tRNS grey value.
        case grey16Key(key: UInt16)
        /// RGB 8-bit with a tRNS colour (kept as stored: a sample above 255 never matches).
        case rgbKey(red: Int, green: Int, blue: Int)
        /// RGB 16-bit with a tRNS colour.
        case rgb16Key(red: UInt16, green: UInt16, blue: UInt16)
    }

    let width: Int
    let mode: Mode
    /// For palettes: RGBA of each index (alpha 255 past tRNS's end).
    private let table: [UInt8]
    /// For palettes: how many entries PLTE has; larger indices are damage.
    let paletteEntries: Int

    /// A palette index at or past the end of the palette, found while expanding.
    struct BadPaletteIndex: Error {
        let x: Int
        let index: Int
    }

    init(width: Int, mode: Mode, palette: [UInt8] = [], paletteAlpha: [UInt8] = []) {
        self.width = width
        self.mode = mode
        paletteEntries = palette.count / 3
        var table = [UInt8](repeating: 0, count: 256 * 4)
        for i in 0..<min(paletteEntries, 256) {
            table[4 * i] = palette[3 * i]
            table[4 * i + 1] = palette[3 * i + 1]
            table[4 * i + 2] = palette[3 * i + 2]
            table[4 * i + 3] = i < paletteAlpha.count ? paletteAlpha[i] : 255
        }
        self.table = table
    }

    /// Expands `raw` (one bridge row) into `out` (one canonical row).
    func expand(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) throws {
        switch mode {
        case .copy:
            for i in 0..<raw.count { out[i] = raw[i] }
        case .palette(let alpha):
            let channels = alpha ? 4 : 3
            try table.withUnsafeBufferPointer { t in
                for x in 0..<width {
                    let i = Int(raw[x])
                    guard i < paletteEntries else { throw BadPaletteIndex(x: x, index: i) }
                    for c in 0..<channels { out[x * channels + c] = t[4 * i + c] }
                }
            }
        case .greyKey(let scale, let key):
            for x in 0..<width {
                let v = Int(raw[x])
                out[2 * x] = UInt8(truncatingIfNeeded: v * scale)
                out[2 * x + 1] = v == key ? 0 : 255
            }
        case .grey16Key(let key):
            for x in 0..<width {
                let lo = raw[2 * x], hi = raw[2 * x + 1]
                let alpha: UInt8 = UInt16(lo) | UInt16(hi) << 8 == key ? 0 : 255
                out[4 * x] = lo
                out[4 * x + 1] = hi
                out[4 * x + 2] = alpha
                out[4 * x + 3] = alpha
            }
        case .rgbKey(let red, let green, let blue):
            for x in 0..<width {
                let r = raw[3 * x], g = raw[3 * x + 1], b = raw[3 * x + 2]
                out[4 * x] = r
                out[4 * x + 1] = g
                out[4 * x + 2] = b
                out[4 * x + 3] = Int(r) == red && Int(g) == green && Int(b) == blue ? 0 : 255
            }
        case .rgb16Key(let red, let green, let blue):
            for x in 0..<width {
                let s = 6 * x, d = 8 * x
                let r = UInt16(raw[s]) | UInt16(raw[s + 1]) << 8
                let g = UInt16(raw[s + 2]) | UInt16(raw[s + 3]) << 8
                let b = UInt16(raw[s + 4]) | UInt16(raw[s + 5]) << 8
                for k in 0..<6 { out[d + k] = raw[s + k] }
                let alpha: UInt8 = r == red && g == green && b == blue ? 0 : 255
                out[d + 6] = alpha
                out[d + 7] = alpha
            }
        }
    }
}
