/// Which patch positions a sample takes: `count` of `total` positions, one from
/// each of `count` equal strata of the positions in reading order.
///
/// Stratum `s` covers positions ⌊s·N/n⌋ ..< ⌊(s+1)·N/n⌋ and contributes one
/// position chosen by hashing (seed, s). The chosen positions therefore rise with
/// `s` (a single streaming pass finds them in order), spread evenly over every
/// image of a collection in proportion to its size, and depend only on the seed:
/// not on band sizes, thread counts or the order anything runs in.
/// Reduction of the hash to the stratum length has a bias below length/2^64.
struct StratifiedSelection: Sendable {
    let total: Int
    let count: Int
    let seed: UInt64

    init(total: Int, count: Int, seed: UInt64) {
        precondition(total >= 0 && count >= 0 && count <= total)
        self.total = total
        self.count = count
        self.seed = seed
    }

    /// First position of stratum `s` (s may equal `count`, giving `total`).
    func stratumStart(_ s: Int) -> Int {
        let product = UInt64(s).multipliedFullWidth(by: UInt64(total))
        return Int(UInt64(count).dividingFullWidth(product).quotient)
    }

    /// The position chosen in stratum `s`.
    func position(ofStratum s: Int) -> Int {
        let start = stratumStart(s)
        let length = stratumStart(s + 1) - start
        if length <= 1 { return start }
        let h = SplitMix64.mix(seed &+ UInt64(s) &* 0x9E37_79B9_7F4A_7C15)
        return start + Int(h.multipliedFullWidth(by: UInt64(length)).high)
    }
}
