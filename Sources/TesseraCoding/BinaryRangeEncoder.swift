/// An adaptive binary range coder (the carry-propagating kind LZMA uses): each bit is coded
/// with a probability of zero held by the caller in 12 bits, which moves 2^-shift of the way
/// towards what was seen after every bit (the caller may adapt fast at first, then slowly). Bilevel images are coded with one probability per
/// context of neighbouring pixels.
///
/// Stream: the bytes `finish` returns; the first is always 0. A decoder given the same
/// contexts in the same order reads the bits back exactly.
public struct BinaryRangeEncoder: Sendable {
    public static let probabilityBits: UInt32 = 12
    /// The starting probability of zero: one half.
    public static let initialProbability: UInt16 = 1 << 11
    @usableFromInline static let top: UInt32 = 1 << 24

    @usableFromInline var low: UInt64 = 0
    @usableFromInline var range: UInt32 = 0xFFFF_FFFF
    @usableFromInline var cache: UInt8 = 0
    @usableFromInline var pending = 1
    @usableFromInline var written: [UInt8] = []
    /// The bytes written so far.
    public var bytes: [UInt8] { written }

    public init(capacity: Int = 0) { written.reserveCapacity(capacity) }

    /// Codes `bit` (0 or 1) with the probability of zero `p` (updated).
    @inlinable @inline(__always)
    public mutating func encode(_ bit: Int, probability p: inout UInt16, shift: UInt16 = 5) {
        // A shift of 0 would drive the probability to 0 or 1 and the range to nothing.
        let shift = max(shift, 1)
        let bound = (range >> Self.probabilityBits) &* UInt32(p)
        if bit == 0 {
            range = bound
            p &+= ((1 << 12) &- p) >> shift
        } else {
            low &+= UInt64(bound)
            range &-= bound
            p &-= p >> shift
        }
        while range < Self.top {
            range <<= 8
            shiftLow()
        }
    }

    /// Moves the top byte of `low` out, holding back 0xFF bytes until a carry is settled.
    @inlinable @inline(__always)
    mutating func shiftLow() {
        if UInt32(truncatingIfNeeded: low) < 0xFF00_0000 || low >> 32 != 0 {
            let carry = UInt8(truncatingIfNeeded: low >> 32)
            var byte = cache
            while pending > 0 {
                written.append(byte &+ carry)
                byte = 0xFF
                pending -= 1
            }
            cache = UInt8(truncatingIfNeeded: low >> 24)
        }
        pending += 1
        low = (low & 0x00FF_FFFF) << 8
    }

    /// Flushes the coder and returns the stream.
    public mutating func finish() -> [UInt8] {
        for _ in 0..<5 { shiftLow() }
        return written
    }
}
