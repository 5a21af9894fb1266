/// Bits packed most significant first into bytes (the raw low bits of wide residuals).
struct RawBitWriter {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    mutating func put(_ value: Int, count n: Int) {
        buffer = buffer << UInt64(n) | UInt64(value & ((1 << n) - 1))
        count += n
        while count >= 8 {
            count -= 8
            bytes.append(UInt8(truncatingIfNeeded: buffer >> UInt64(count)))
        }
    }

    /// The bytes, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if count > 0 {
            bytes.append(UInt8(truncatingIfNeeded: buffer << UInt64(8 - count)))
            count = 0
        }
        return bytes
    }
}
