/// Widening of integer samples by bit replication (canonical rule 3): the
/// b-bit value's bits are repeated from the top until `t` bits are filled, so 0
/// stays 0 and the maximum stays the maximum (3-bit 5 → 0b101_101_10 = 182;
/// 12-bit 0xABC → 0xABCA).
enum BitReplication {
    /// `value` (of `bits` significant bits) widened to `target` bits; `target >= bits`.
    static func widen(_ value: UInt32, from bits: Int, to target: Int) -> UInt32 {
        if bits == target { return value }
        var result: UInt32 = 0
        var shift = target - bits
        while shift > -bits {
            result |= shift >= 0 ? value << UInt32(shift) : value >> UInt32(-shift)
            shift -= bits
        }
        return result
    }

    /// The whole mapping for depths up to 16 bits, for use as a lookup table.
    static func table(from bits: Int, to target: Int) -> [UInt16] {
        precondition(bits >= 1 && bits <= 16 && target >= bits && target <= 16)
        return (0..<(1 << bits)).map { UInt16(widen(UInt32($0), from: bits, to: target)) }
    }

    /// The depth a stored integer depth becomes: 1, 2, 4, 8, 16 stay where `keepsSmallDepths`
    /// (grey without alpha); other depths up to 8 become 8, and 9–15 become 16.
    static func canonicalDepth(forStored bits: Int, keepsSmallDepths: Bool) -> Int {
        if keepsSmallDepths && (bits == 1 || bits == 2 || bits == 4) { return bits }
        return bits <= 8 ? 8 : 16
    }
}
