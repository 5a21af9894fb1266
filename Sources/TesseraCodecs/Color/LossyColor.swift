import TesseraFormat

/// How lossy coding (vector quantisation or transform) treats 8-bit RGB and RGBA.
public enum LossyColor: String, Sendable, CaseIterable {
    /// Y, Cb, Cr with the chroma planes at half the width and height (colour transform 3):
    /// a quarter of the chroma indices. Only with a codebook trained for the image; a given
    /// (collection) codebook is used as YCbCr 4:4:4.
    case ycbcr420
    /// Y, Cb, Cr planes at full size (colour transform 2): the chroma index maps cost little,
    /// so the same rate buys more luma detail (bench/results/bench-rd.md has the measured gain).
    case ycbcr
    /// R, G and B each its own plane, as in files written before the transform existed.
    case rgb
}

extension LossyColor {
    /// The IHDR colour transform that codes 8-bit RGB(A) this way.
    public var colorTransform: ImageHeader.ColorTransform {
        switch self {
        case .ycbcr420: .ycbcr420
        case .ycbcr: .ycbcr
        case .rgb: .none
        }
    }
}
