import TesseraIO

/// A level pixel from the sum of its block (docs/FORMAT.md, "Resolution levels"): the block's
/// mean on the levels' scale — 255 / max for images of fewer than 8 bits, else the samples' own
/// — rounded half up. The one place this rounding is written, for every way a level is made.
struct LevelScale: Sendable {
    let numerator: UInt64
    let denominator: UInt64

    /// For samples of `format` (the image's, before any level).
    init(_ format: PixelFormat) {
        numerator = format.bitDepth < 8 ? 255 : 1
        denominator = format.bitDepth < 8 ? UInt64(format.maxValue) : 1
    }

    /// The level value of `samples` samples summing to `sum`. Whole blocks of 8-bit and wider
    /// images have a power-of-two count: a shift, not a division (the same value).
    @inline(__always)
    func mean(_ sum: UInt64, samples: Int) -> UInt64 {
        let count = UInt64(samples) * denominator
        return count & (count &- 1) == 0
            ? (sum * numerator + count / 2) >> UInt64(count.trailingZeroBitCount)
            : (sum * numerator + count / 2) / count
    }
}
