import TesseraSupport
/// For every codeword, its `listLength` nearest codewords (itself first) and the
/// distance to the nearest codeword left off the list, its "reach".
///
/// A vector whose previous codeword was `a` and whose nearest codeword on `a`'s
/// list is `g` is proven to have `g` as its nearest codeword overall when
/// ‖x − c_a‖ + ‖x − c_g‖ ≤ reach(a): by the triangle inequality every codeword
/// j off the list has ‖x − c_j‖ ≥ ‖c_a − c_j‖ − ‖x − c_a‖ ≥ reach(a) − ‖x − c_a‖.
/// Lloyd's iterations after the first search only the short list, with the
/// same SIMD kernel, and fall back to a full search when the proof fails.
struct CodewordNeighbours {
    let count: Int
    let listLength: Int
    /// count × listLength codeword indices, nearest first.
    var lists: [Int32]
    /// Euclidean distance from each codeword to the nearest one not on its list
    /// (+∞ when the list holds every codeword), rounded down slightly for safety.
    var reach: [Float]

    init(codewords: [Float], count k: Int, dimensions d: Int, listLength: Int, threads: Int) {
        let length = min(listLength, k)
        count = k
        self.listLength = length
        var lists = [Int32](repeating: 0, count: k * length)
        var reach = [Float](repeating: .infinity, count: k)
        let perChunk = 16
        let chunks = (k + perChunk - 1) / perChunk
        codewords.withUnsafeBufferPointer { cwb in
            lists.withUnsafeMutableBufferPointer { lb in
                reach.withUnsafeMutableBufferPointer { rb in
                    guard let cw = cwb.baseAddress, let out = lb.baseAddress, let r = rb.baseAddress else { return }
                    Parallel.forEach(count: chunks, threads: threads) { chunk in
                        // The `length + 1` nearest, kept sorted by (distance, index).
                        var nearD = [Float](repeating: .infinity, count: length + 1)
                        var nearI = [Int32](repeating: -1, count: length + 1)
                        for a in (chunk * perChunk)..<min(k, (chunk + 1) * perChunk) {
                            for t in 0...length {
                                nearD[t] = .infinity
                                nearI[t] = -1
                            }
                            let ca = cw + a * d
                            for b in 0..<k {
                                let cb = cw + b * d
                                var s: Float = 0
                                for j in 0..<d {
                                    let e = ca[j] - cb[j]
                                    s += e * e
                                }
                                if b == a { s = -1 }  // itself first, whatever duplicates exist
                                if s >= nearD[length] { continue }
                                var t = length
                                while t > 0 && nearD[t - 1] > s {
                                    nearD[t] = nearD[t - 1]
                                    nearI[t] = nearI[t - 1]
                                    t -= 1
                                }
                                nearD[t] = s
                                nearI[t] = Int32(b)
                            }
                            for t in 0..<length { out[a * length + t] = nearI[t] }
                            if nearI[length] >= 0 { r[a] = nearD[length].squareRoot() * (1 - 1e-5) }
                        }
                    }
                }
            }
        }
        self.lists = lists
        self.reach = reach
    }
}
