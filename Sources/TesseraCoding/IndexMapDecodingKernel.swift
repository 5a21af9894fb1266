/// The index-map decoding loop over borrowed buffers (see `IndexMapModel.decode`).
///
/// A struct with always-inlined methods rather than nested closures: the optimiser then keeps
/// the rANS states, the word position and each lane's last index in registers.
struct IndexMapDecodingKernel {
    var d: RANSDecoder
    /// Class of the left index times the number of upper classes.
    let leftRow: UnsafeBufferPointer<UInt16>
    let aboveColumn: UnsafeBufferPointer<UInt16>
    let out: UnsafeMutableBufferPointer<UInt16>
    let width: Int
    let k: Int
    let flatness: Bool
    /// Contexts per flatness class (left classes × upper classes).
    let perFlatness: Int
    let uniformPrecision: UInt32
    var damaged = false

    /// One index at `p` with neighbours left, above, above-left, above-right; returns it.
    @_transparent
    mutating func step(_ x: inout UInt32, _ p: Int, _ l: Int, _ a: Int, _ al: Int, _ ar: Int) -> Int {
        let eq = flatness ? IndexMapScan.equality(left: l, above: a, aboveLeft: al, aboveRight: ar) : 0
        let ctx = eq &* perFlatness &+ Int(leftRow[l]) &+ Int(aboveColumn[a])
        let sym = d.decode(&x, table: ctx)
        // Literal, same-as-left or same-as-above chosen with masks, not branches (the kind of
        // symbol is unpredictable where text meets paper); the rare unseen escape branches.
        let kind = sym &- k                      // < 0 literal, 0 left, 1 above, 2 unseen
        let literal = kind &>> 63                // all ones for a literal
        let fromAbove = 0 &- (kind & 1)          // all ones for same-as-above
        let copied = (a & fromAbove) | (l & ~fromAbove)
        var v = (sym & literal) | (copied & ~literal)
        if kind == 2 { v = d.decodeUniform(&x, precision: uniformPrecision, limit: k, damaged: &damaged) }
        out[p] = UInt16(truncatingIfNeeded: v)
        return v
    }

    /// An index with all four neighbours inside the lane; the left one arrives in `l`
    /// (the lane's previous index, kept in a register) and is replaced by this index.
    @_transparent
    mutating func interior(_ x: inout UInt32, _ l: inout Int, _ p: Int) {
        let w = width
        l = step(&x, p, l, Int(out[p &- w]), Int(out[p &- w &- 1]), Int(out[p &- w &+ 1]))
    }

    /// Columns 1 ..< width - 1 of one row step for four lanes starting at `p0…p3` (column 0).
    mutating func interiorFourLanes(_ x0: inout UInt32, _ x1: inout UInt32, _ x2: inout UInt32, _ x3: inout UInt32,
                                    _ p0: Int, _ p1: Int, _ p2: Int, _ p3: Int)
    {
        var s0 = x0, s1 = x1, s2 = x2, s3 = x3
        var l0 = Int(out[p0]), l1 = Int(out[p1]), l2 = Int(out[p2]), l3 = Int(out[p3])
        var x = 1
        let end = width - 1
        while x < end {
            interior(&s0, &l0, p0 &+ x)
            interior(&s1, &l1, p1 &+ x)
            interior(&s2, &l2, p2 &+ x)
            interior(&s3, &l3, p3 &+ x)
            x &+= 1
        }
        x0 = s0; x1 = s1; x2 = s2; x3 = s3
    }
}
