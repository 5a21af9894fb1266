/// What the VQ encoder needs from a codebook: the nearest codeword of many
/// patches at once, and the codewords themselves for reconstruction.
public protocol PatchQuantiser: Sendable {
    /// Values per patch (patchSize² for a per-plane codebook).
    var dimension: Int { get }
    /// Number of codewords, K.
    var codewordCount: Int { get }
    /// Codewords, row-major: codeword k is `codewords[k*dimension ..< (k+1)*dimension]`.
    var codewords: [Float] { get }
    /// Writes the index of the nearest codeword of each of `count` patches.
    func nearest(
        _ patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>)
    /// The same codewords, choosing the least squared distance plus `bias[k]` (every bias ≥ 0).
    func biased(by bias: [Float]) -> any PatchQuantiser
}
