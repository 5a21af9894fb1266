/// The rANS decoding step over a `RANSTableSet`, reading 16-bit words from a coded stream.
///
/// Works on borrowed pointers (valid only inside the caller's `withUnsafe…` scope). The
/// renormalisation is branchless: a word is always loaded (from a clamped position, so never
/// outside the buffer) and kept only when the state needs it. A stream that runs out keeps
/// counting `position` past the end; the caller checks `overran` after its loop and reports
/// the damage, so the hot loop has no throw and no unpredictable branch.
struct RANSDecoder {
    let info: UnsafeBufferPointer<RANSTableSet.Info>
    let slots: UnsafeBufferPointer<UInt64>
    private let words: UnsafeRawPointer
    private let wordCount: Int
    private let lastWord: Int
    private(set) var position = 0

    /// `words` must stay valid while the decoder is used; `fallback` is any 2 readable bytes,
    /// read (and ignored) in place of words when the word stream is empty.
    init(tables: UnsafeBufferPointer<RANSTableSet.Info>, slots: UnsafeBufferPointer<UInt64>,
         words: UnsafeRawBufferPointer, fallback: UnsafeRawPointer)
    {
        info = tables
        self.slots = slots
        wordCount = words.count / 2
        if let base = words.baseAddress, wordCount > 0 {
            self.words = base
            lastWord = wordCount - 1
        } else {
            self.words = fallback
            lastWord = 0
        }
    }

    var overran: Bool { position > wordCount }
    var wordsLeft: Int { max(0, wordCount - position) }

    @_transparent
    mutating func renormalise(_ x: inout UInt32) {
        // need = 1 when x < 2^16, by arithmetic rather than a comparison: the compiler turns
        // comparisons into branches, and this one is unpredictable (measured 3× slower).
        let need = UInt32(truncatingIfNeeded: (UInt64(x) &- UInt64(RANSEncoder.lowerBound)) &>> 63)
        let w = UInt32(UInt16(littleEndian: words.loadUnaligned(
            fromByteOffset: min(position, lastWord) &* 2, as: UInt16.self)))
        x = (x &<< (need &<< 4)) | (w & (0 &- need))
        position &+= Int(need)
    }

    /// Decodes one symbol of table `table` with state `x`.
    @_transparent
    mutating func decode(_ x: inout UInt32, table: Int) -> Int {
        let t = info[table]
        let slot = x & t.mask
        let e = slots[Int(t.slotBase &+ slot)]
        let f = UInt32(truncatingIfNeeded: e) & 0xFFFF
        let offset = UInt32(truncatingIfNeeded: e >> 16) & 0xFFFF
        x = f &* (x &>> t.precision) &+ offset
        renormalise(&x)
        return Int(truncatingIfNeeded: e >> 32)
    }

    /// Decodes a value coded with `RANSEncoder.putUniform`; values ≥ `limit` mark damage and become 0.
    @_transparent
    mutating func decodeUniform(_ x: inout UInt32, precision: UInt32, limit: Int, damaged: inout Bool) -> Int {
        let v = Int(x & ((1 &<< precision) &- 1))
        x = x &>> precision
        renormalise(&x)
        if v >= limit {
            damaged = true
            return 0
        }
        return v
    }

    /// Reads `count` initial states (UInt32 LE) from the front of `bytes`.
    static func readStates(_ bytes: UnsafeRawBufferPointer, count: Int) -> [UInt32]? {
        guard bytes.count >= count * 4 else { return nil }
        return (0..<count).map { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
    }
}
