/// How close the decoded pixels must be to the original.
public enum QualityMode: Sendable, Equatable, CustomStringConvertible {
    /// Vector quantisation only: the rate is set by the codebook size.
    case lossy
    /// Every sample within ±maxError of the original (maxError ≥ 1).
    case nearLossless(maxError: Int)
    /// Every sample exact.
    case lossless

    /// The `--max-error` value this mode means (nil for plain lossy).
    public var maxError: Int? {
        switch self {
        case .lossy: return nil
        case .nearLossless(let e): return e
        case .lossless: return 0
        }
    }

    public var description: String {
        switch self {
        case .lossy: return "lossy"
        case .nearLossless(let e): return "near-lossless (±\(e))"
        case .lossless: return "lossless"
        }
    }
}
