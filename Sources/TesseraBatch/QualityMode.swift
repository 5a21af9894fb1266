/// How close the decoded pixels must be to the original.
public enum QualityMode: Sendable, Equatable, CustomStringConvertible {
    /// Vector quantisation only: the rate is set by the codebook size.
    case lossy
    /// Every sample within ±maxError of the original (maxError ≥ 1).
    case nearLossless(maxError: Int)
    /// Every sample exact.
    case lossless
    /// Transform coding (8×8 DCT) with this quantiser step: no codebook.
    case transform(step: Double)

    /// The `--max-error` value this mode means (nil for plain lossy).
    public var maxError: Int? {
        switch self {
        case .lossy: return nil
        case .nearLossless(let e): return e
        case .lossless: return 0
        case .transform: return nil
        }
    }

    /// The `--step` value this mode means (nil unless transform).
    public var transformStep: Double? {
        if case .transform(let step) = self { return step }
        return nil
    }

    public var description: String {
        switch self {
        case .lossy: return "lossy"
        case .nearLossless(let e): return "near-lossless (±\(e))"
        case .lossless: return "lossless"
        case .transform(let step): return "transform (step \(step))"
        }
    }
}
