/// Reads back what `BinaryRangeEncoder` wrote, given the same probabilities in the same order.
/// Never reads outside its bytes: past the end it reads zeros and records the overrun, which
/// a caller checks (`isConsistent`) once every bit is read.
public struct BinaryRangeDecoder {
    // Usable from inline code so that the bit decoder inlines into the callers of other
    // modules (the transform coder spends most of its time here).
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var position = 0
    @usableFromInline var range: UInt32 = 0xFFFF_FFFF
    @usableFromInline var code: UInt32 = 0
    @usableFromInline var overrun = false
    /// Whether a bit needed bytes past the end of the stream.
    public var overran: Bool { overrun }

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        for _ in 0..<5 { code = (code &<< 8) | UInt32(next()) }
    }

    @inlinable @inline(__always)
    mutating func next() -> UInt8 {
        guard position < bytes.count else {
            overrun = true
            return 0
        }
        defer { position += 1 }
        return bytes[position]
    }

    @inlinable @inline(__always)
    public mutating func decode(probability p: inout UInt16, shift: UInt16 = 5) -> Int {
        let shift = max(shift, 1)
        let bound = (range >> BinaryRangeEncoder.probabilityBits) &* UInt32(p)
        let bit: Int
        if code < bound {
            range = bound
            p &+= ((1 << 12) &- p) >> shift
            bit = 0
        } else {
            code &-= bound
            range &-= bound
            p &-= p >> shift
            bit = 1
        }
        while range < BinaryRangeEncoder.top {
            range <<= 8
            code = (code &<< 8) | UInt32(next())
        }
        return bit
    }

    /// True when the stream held every byte the bits needed and nothing after them.
    public var isConsistent: Bool { !overran && position == bytes.count }
}
