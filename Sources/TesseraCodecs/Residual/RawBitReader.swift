/// Reads what `RawBitWriter` packed; past the end it gives zeros and remembers the overrun.
struct RawBitReader {
    private let bytes: [UInt8]
    private var bit = 0
    private(set) var overran = false

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ n: Int) -> Int {
        var v = 0
        for _ in 0..<n {
            let byte = bit >> 3
            let b: Int
            if byte < bytes.count {
                b = Int(bytes[byte] >> UInt8(7 - bit & 7)) & 1
            } else {
                overran = true
                b = 0
            }
            v = v << 1 | b
            bit += 1
        }
        return v
    }

    /// Every bit read came from the stream, and no whole byte was left over.
    var isConsistent: Bool { !overran && (bit + 7) / 8 == bytes.count }
}
