/// How lossy (vector-quantised) coding treats 8-bit RGB and RGBA.
public enum LossyColour: String, Sendable, CaseIterable {
    /// Y, Cb, Cr planes (colour transform 2): the chroma index maps cost little, so the same
    /// rate buys more luma detail (bench/results/bench-rd.md has the measured gain).
    case ycbcr
    /// R, G and B each its own plane, as in files written before the transform existed.
    case rgb
}
