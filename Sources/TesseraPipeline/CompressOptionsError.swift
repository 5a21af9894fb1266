/// A compression parameter out of range. The messages name the parameter, not a command-line
/// option; the CLI and the preset reader say which of theirs it came from.
public enum CompressOptionsError: Error, Equatable, Sendable, CustomStringConvertible {
    case codewords(Int)
    case patchSize(Int)
    case samples(Int, codewords: Int)
    case maxIterations(Int)
    case rateWeight(Double)
    case maxError(Int)
    case step(Double)
    case tileSize(Int, patchSize: Int)

    public var description: String {
        switch self {
        case .codewords(let k): "\(k) codewords: use 16 to 4096"
        case .patchSize(let p): "patch size \(p): use 2, 4, 8 or 16"
        case .samples(let n, let k): "\(n) samples for \(k) codewords: sample at least as many patches"
        case .maxIterations(let n): "\(n) iterations: use 1 to 1000"
        case .rateWeight(let w): "rate weight \(w): use 0 (plain nearest codeword) to 4"
        case .maxError(let e): "max error \(e): use 0 (lossless) to 64"
        case .step(let s): "step \(s): use 1 to 255"
        case .tileSize(let t, let p): "tile size \(t): use a multiple of 16 (and of the patch size \(p)) from 16 to 8192"
        }
    }
}
