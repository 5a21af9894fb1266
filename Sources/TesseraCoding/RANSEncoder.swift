/// rANS encoding with 32-bit states and 16-bit renormalisation words.
///
/// States live in `[2^16, 2^32)`. Symbols must be encoded in the reverse of the order the
/// decoder reads them; the words are collected backwards and `finish` lays out the stream
/// the decoder expects: the final states (UInt32 LE each), then the words (UInt16 LE) in
/// reading order. Several states may share one word stream (interleaving): the decoder
/// interleaves its reads in exactly the reverse of the encoder's writes.
struct RANSEncoder {
    static let lowerBound: UInt32 = 1 << 16

    private(set) var words: [UInt16] = []
    var states: [UInt32]

    init(stateCount: Int, expectedSymbols: Int = 0) {
        states = [UInt32](repeating: RANSEncoder.lowerBound, count: stateCount)
        words.reserveCapacity(expectedSymbols / 2 + 16)
    }

    /// Encodes a symbol of frequency `freq` (≥ 1) starting at `cumulative`, at `precision` bits, with state `lane`.
    @inline(__always)
    mutating func put(lane: Int, freq: UInt32, cumulative: UInt32, precision: UInt32) {
        var x = states[lane]
        let limit = UInt64(freq) << (32 - UInt64(precision))
        if UInt64(x) >= limit {
            words.append(UInt16(truncatingIfNeeded: x))
            x >>= 16
        }
        x = ((x / freq) << precision) &+ (x % freq) &+ cumulative
        states[lane] = x
    }

    /// Encodes `value` uniformly over `1 << precision` slots (the escape path for unseen symbols).
    @inline(__always)
    mutating func putUniform(lane: Int, value: UInt32, precision: UInt32) {
        put(lane: lane, freq: 1, cumulative: value, precision: precision)
    }

    /// The coded stream: final states, then words in reading order.
    func finish() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(states.count * 4 + words.count * 2)
        for x in states {
            out.append(UInt8(truncatingIfNeeded: x))
            out.append(UInt8(truncatingIfNeeded: x >> 8))
            out.append(UInt8(truncatingIfNeeded: x >> 16))
            out.append(UInt8(truncatingIfNeeded: x >> 24))
        }
        for w in words.reversed() {
            out.append(UInt8(truncatingIfNeeded: w))
            out.append(UInt8(truncatingIfNeeded: w >> 8))
        }
        return out
    }
}
