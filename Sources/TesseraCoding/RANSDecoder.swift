/// The rANS decoding step over a `RANSTableSet`, reading 16-bit words from a coded stream.
///
/// Works on borrowed pointers (valid only inside the caller's `withUnsafe…` scope). The
/// renormalisation is branchless: a word is always loaded (from a clamped position, so never
/// outside the buffer) and kept only when the state needs it. A stream that runs out keeps
/// counting `position` past the end; the caller checks `overran` after its loop and reports
/// the damage, so the hot loop has no throw and no unpredictable branch.
struct RANSDecoder {
    let info: UnsafeBufferPointer<RANSTableSet.Info>
    let slots: UnsafeBufferPointer<UInt16>
    let entries: UnsafeBufferPointer<UInt64>
    private let words: UnsafeRawPointer
    private let wordCount: Int
    private let lastWord: Int
    private(set) var position = 0

    /// `words` must stay valid while the decoder is used; `fallback` is any 2 readable bytes,
    /// read (and ignored) in place of words when the word stream is empty.
    init(tables: UnsafeBufferPointer<RANSTableSet.Info>, slots: UnsafeBufferPointer<UInt16>,
         entries: UnsafeBufferPointer<UInt64>, words: UnsafeRawBufferPointer, fallback: UnsafeRawPointer)
    {
        info = tables
        self.slots = slots
        self.entries = entries
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

    @inline(__always)
    mutating func renormalise(_ x: inout UInt32) {
        let need = x < RANSEncoder.lowerBound
        let w = UInt32(UInt16(littleEndian: words.loadUnaligned(
            fromByteOffset: min(position, lastWord) &* 2, as: UInt16.self)))
        x = need ? (x << 16 | w) : x
        position &+= need ? 1 : 0
    }

    /// Decodes one symbol of table `table` with state `x`.
    @inline(__always)
    mutating func decode(_ x: inout UInt32, table: Int) -> Int {
        let t = info[table]
        let slot = x & t.mask
        let e = entries[Int(t.entryBase &+ UInt32(slots[Int(t.slotBase &+ slot)]))]
        let f = UInt32(truncatingIfNeeded: e) & 0xFFFF
        let c = UInt32(truncatingIfNeeded: e >> 16) & 0xFFFF
        x = f &* (x >> t.precision) &+ slot &- c
        renormalise(&x)
        return Int(truncatingIfNeeded: e >> 32)
    }

    /// Decodes a value coded with `RANSEncoder.putUniform`; values ≥ `limit` mark damage and become 0.
    @inline(__always)
    mutating func decodeUniform(_ x: inout UInt32, precision: UInt32, limit: Int, damaged: inout Bool) -> Int {
        let v = Int(x & ((1 << precision) &- 1))
        x >>= precision
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
