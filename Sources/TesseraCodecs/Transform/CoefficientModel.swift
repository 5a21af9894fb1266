import TesseraCoding

/// The syntax of one plane's quantised coefficients in one tile (coding mode `transform`,
/// docs/FORMAT.md "Coefficient stream") and the adaptive contexts it is coded with. One
/// description serves both directions: `code` writes the coefficients through an encoder, or
/// fills them in through a decoder.
///
/// Per 8×8 block, in raster order: the DC difference from its median-edge prediction (left,
/// above, above-left DC); the number of non-zero AC coefficients (a 6-bit tree whose contexts
/// depend on the neighbours' counts); then, in zig-zag order until that many are found, a
/// zero flag per position and, for each non-zero one, "above 1", "above 2", an Exp-Golomb
/// remainder and a sign. Contexts look at the same position in the left and upper blocks,
/// the band of the position and how many non-zero coefficients are still to come. Contexts
/// start afresh in every tile, so tiles decode on their own.
struct CoefficientModel {
    static let bands = 11
    static let neighbourClasses = 6
    static let remainingClasses = 4
    static let dcClasses = 12
    static let countBuckets = 12
    static let prefixLimit = 20
    /// The largest |DC| a stream may decode to (docs/FORMAT.md).
    static let dcLimit: Int32 = 1 << 16

    /// Band of each zig-zag position (0 is DC, then 11 bands of AC).
    static let band: [Int] = (0..<64).map { k in
        switch k {
        case 0, 1: 0
        case 2: 1
        case 3: 2
        case 4...5: 3
        case 6...9: 4
        case 10...14: 5
        case 15...20: 6
        case 21...27: 7
        case 28...35: 8
        case 36...44: 9
        default: 10
        }
    }

    // Offsets of each context group in one flat array.
    static let dcZero = 0
    static let dcSign = dcZero + dcClasses
    static let dcPrefix = dcSign + dcClasses
    static let dcMantissa = dcPrefix + dcClasses * prefixLimit
    static let countTree = dcMantissa + dcClasses * prefixLimit
    static let zero = countTree + countBuckets * 64
    static let above1 = zero + bands * neighbourClasses * remainingClasses
    static let above2 = above1 + bands * neighbourClasses
    static let acPrefix = above2 + bands * neighbourClasses
    static let acMantissa = acPrefix + 3 * prefixLimit
    static let total = acMantissa + 3 * prefixLimit

    var contexts = [AdaptiveBit](repeating: AdaptiveBit(), count: total)

    /// Codes the blocks of a `columns`×`rows` grid: `q` holds 64 coefficients per block in
    /// zig-zag order, blocks in raster order. An encoder reads them; a decoder (given zeros)
    /// writes them. Returns false when a decoder read an impossible value.
    mutating func code<C: BinaryCoding>(_ coder: inout C, _ q: UnsafeMutablePointer<Int32>, columns: Int, rows: Int)
        -> Bool
    {
        let blocks = columns * rows
        var counts = [Int32](repeating: 0, count: blocks)
        var dcDifferences = [Int32](repeating: 0, count: blocks)
        var ok = true
        contexts.withUnsafeMutableBufferPointer { cx in
            let c = cx.baseAddress!
            counts.withUnsafeMutableBufferPointer { nnz in
                dcDifferences.withUnsafeMutableBufferPointer { dcd in
                    for b in 0..<blocks {
                        let bx = b % columns
                        let hasLeft = bx > 0, hasUp = b >= columns
                        let block = q + b * 64
                        let left = block - 64, up = block - 64 * columns

                        // DC: the median edge detector over the neighbours' DC.
                        var prediction: Int32 = 0
                        if hasLeft && hasUp {
                            let l = left[0], u = up[0], ul = (up - 64)[0]
                            prediction = ul >= max(l, u) ? min(l, u) : ul <= min(l, u) ? max(l, u) : l + u - ul
                        } else if hasLeft {
                            prediction = left[0]
                        } else if hasUp {
                            prediction = up[0]
                        }
                        var dcClass = Self.dcClasses - 1
                        if hasLeft || hasUp {
                            let near = (hasLeft ? abs(dcd[b - 1]) : 0) + (hasUp ? abs(dcd[b - columns]) : 0)
                            dcClass = min(Self.bitLength(Int(near)), Self.dcClasses - 2)
                        }
                        var difference = Int(block[0] - prediction)
                        let nonzero = coder.code(difference != 0 ? 1 : 0, &c[Self.dcZero + dcClass])
                        if nonzero == 1 {
                            let negative = coder.code(difference < 0 ? 1 : 0, &c[Self.dcSign + dcClass])
                            guard
                                let m = Self.codeExpGolomb(
                                    &coder, abs(difference) - 1, prefix: c + Self.dcPrefix + dcClass * Self.prefixLimit,
                                    mantissa: c + Self.dcMantissa + dcClass * Self.prefixLimit)
                            else {
                                ok = false
                                return
                            }
                            difference = negative == 1 ? -(m + 1) : m + 1
                        } else {
                            difference = 0
                        }
                        dcd[b] = Int32(difference)
                        block[0] = prediction + Int32(difference)
                        // No 8-bit block has a DC value beyond 1024 / 0.25 (the smallest step):
                        // a forged stream stops here, long before sums could overflow.
                        guard abs(block[0]) <= Self.dcLimit else {
                            ok = false
                            return
                        }

                        // How many AC coefficients are not zero.
                        var n = 0
                        for k in 1..<64 where block[k] != 0 { n += 1 }
                        var bucket = Self.countBuckets - 1
                        if hasLeft || hasUp {
                            let neighbours =
                                hasLeft && hasUp
                                ? (Int(nnz[b - 1]) + Int(nnz[b - columns]) + 1) / 2
                                : Int(hasLeft ? nnz[b - 1] : nnz[b - columns])
                            bucket = Self.countBucket(neighbours)
                        }
                        var node = 1
                        let tree = c + Self.countTree + bucket * 64
                        for bit in stride(from: 5, through: 0, by: -1) {
                            node = node * 2 + coder.code((n >> bit) & 1, &tree[node])
                        }
                        n = node - 64
                        nnz[b] = Int32(n)

                        // The non-zero AC coefficients, in zig-zag order.
                        var remaining = n
                        var k = 1
                        while remaining > 0 {
                            var neighbourClass = Self.neighbourClasses - 1
                            if hasLeft || hasUp {
                                let m =
                                    hasLeft && hasUp
                                    ? abs(left[k]) + abs(up[k]) : 2 * abs(hasLeft ? left[k] : up[k])
                                neighbourClass = m == 0 ? 0 : m == 1 ? 1 : m == 2 ? 2 : m <= 4 ? 3 : 4
                            }
                            let band = Self.band[k]
                            var isNonzero = 1
                            if remaining < 64 - k {  // else every position left is non-zero
                                let r = remaining == 1 ? 0 : remaining == 2 ? 1 : remaining <= 4 ? 2 : 3
                                let z =
                                    Self.zero + (band * Self.neighbourClasses + neighbourClass) * Self.remainingClasses + r
                                isNonzero = coder.code(block[k] != 0 ? 1 : 0, &c[z])
                            }
                            if isNonzero == 1 {
                                var a = Int(abs(block[k]))
                                let ctx = band * Self.neighbourClasses + neighbourClass
                                if coder.code(a > 1 ? 1 : 0, &c[Self.above1 + ctx]) == 0 {
                                    a = 1
                                } else if coder.code(a > 2 ? 1 : 0, &c[Self.above2 + ctx]) == 0 {
                                    a = 2
                                } else {
                                    let group = band < 3 ? 0 : band < 6 ? 1 : 2
                                    guard
                                        let m = Self.codeExpGolomb(
                                            &coder, a - 3, prefix: c + Self.acPrefix + group * Self.prefixLimit,
                                            mantissa: c + Self.acMantissa + group * Self.prefixLimit)
                                    else {
                                        ok = false
                                        return
                                    }
                                    a = m + 3
                                }
                                let negative = coder.bypass(block[k] < 0 ? 1 : 0)
                                block[k] = Int32(negative == 1 ? -a : a)
                                remaining -= 1
                            } else {
                                block[k] = 0
                            }
                            k += 1
                        }
                    }
                }
            }
        }
        return ok
    }

    /// Exp-Golomb (order 0) of `value` ≥ 0: the length of value + 1 less one in unary, each bit
    /// in its own context, then the bits below the leading one, the first of them in a
    /// context of the length and the rest at one half. Nil when a decoder meets a prefix of
    /// `prefixLimit` ones (no encoder writes one).
    @inline(__always)
    static func codeExpGolomb<C: BinaryCoding>(
        _ coder: inout C, _ value: Int, prefix: UnsafeMutablePointer<AdaptiveBit>,
        mantissa: UnsafeMutablePointer<AdaptiveBit>
    ) -> Int? {
        let x = value + 1
        let length = bitLength(x)  // encoder's; a decoder's value is 0, so this is 1 there
        var ones = 0
        while true {
            guard ones < prefixLimit - 1 else { return nil }
            if coder.code(ones < length - 1 ? 1 : 0, &prefix[ones]) == 0 { break }
            ones += 1
        }
        var result = 1
        for bit in stride(from: ones - 1, through: 0, by: -1) {
            let b = (x >> bit) & 1
            let read = bit == ones - 1 ? coder.code(b, &mantissa[ones]) : coder.bypass(b)
            result = result << 1 | read
        }
        return result - 1
    }

    @inline(__always)
    static func bitLength(_ v: Int) -> Int { v == 0 ? 0 : Int.bitWidth - v.leadingZeroBitCount }

    @inline(__always)
    static func countBucket(_ n: Int) -> Int {
        switch n {
        case 0...4: n
        case 5...6: 5
        case 7...9: 6
        case 10...14: 7
        case 15...22: 8
        case 23...34: 9
        default: 10
        }
    }
}
