import TesseraCodebook

/// For large codebooks, the PCA-ordered partial-distance search: exact up to
/// Float rounding and faster than the flat kernel from K = 256
/// (bench/results/bench-train.txt).
struct PartialDistanceQuantiser: PatchQuantiser {
    let search: PartialDistanceSearch
    let codewords: [Float]
    var dimension: Int { search.dimensions }
    var codewordCount: Int { search.codewordCount }

    func nearest(
        _ patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>
    ) {
        search.assign(patches: patches, count: count, into: indices)
    }

    func biased(by bias: [Float]) -> any PatchQuantiser {
        PartialDistanceQuantiser(search: search.biased(by: bias), codewords: codewords)
    }
}
