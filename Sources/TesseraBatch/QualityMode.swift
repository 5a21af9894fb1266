/// How close the decoded pixels must be to the original: a preset's `quality` (and the
/// command line's quality options), which `Preset.applied(to:)` turns into a `CodingMode`.
public enum QualityMode: Sendable, Equatable, CustomStringConvertible {
    /// Vector quantisation only: the rate is set by the codebook size.
    case lossy
    /// Every sample within ±maxError of the original (maxError ≥ 1).
    case nearLossless(maxError: Int)
    /// Every sample exact.
    case lossless
    /// Transform coding (8×8 DCT) with this quantiser step: no codebook.
    case transform(step: Double)

    public var description: String {
        switch self {
        case .lossy: return "lossy"
        case .nearLossless(let e): return "near-lossless (±\(e))"
        case .lossless: return "lossless"
        case .transform(let step): return "transform (step \(step))"
        }
    }
}
