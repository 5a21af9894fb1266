/// How the samples of an image are laid out in memory once decoded.
///
/// Every reader normalises what it finds in the file to one of these formats:
/// grey is minimum-is-black, palettes are expanded to RGB(A), and integer
/// depths that are not 1, 2, 4, 8 or 16 are widened by bit replication
/// (3 → 4 would lose nothing but is widened to 8, 10/12/14 to 16).
public struct PixelFormat: Hashable, Sendable, CustomStringConvertible {
    public enum ColorModel: String, Sendable, Codable, CaseIterable {
        case grey, greyAlpha = "grey+alpha", rgb, rgba

        public var channels: Int {
            switch self {
            case .grey: 1
            case .greyAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }

        public var hasAlpha: Bool { self == .greyAlpha || self == .rgba }

        public init?(channels: Int) {
            switch channels {
            case 1: self = .grey
            case 2: self = .greyAlpha
            case 3: self = .rgb
            case 4: self = .rgba
            default: return nil
            }
        }
    }

    public var colorModel: ColorModel
    /// Significant bits per sample: 1, 2, 4, 8 or 16. Depths below 8 are stored
    /// unscaled, one sample per byte (a 1-bit sample is 0 or 1).
    public var bitDepth: Int

    public init(colorModel: ColorModel, bitDepth: Int) {
        precondition([1, 2, 4, 8, 16].contains(bitDepth), "bit depth \(bitDepth)")
        self.colorModel = colorModel
        self.bitDepth = bitDepth
    }

    public static let grey8 = PixelFormat(colorModel: .grey, bitDepth: 8)
    public static let rgb8 = PixelFormat(colorModel: .rgb, bitDepth: 8)

    public var channels: Int { colorModel.channels }
    /// Bytes one sample occupies in a `PixelBuffer`: 1 up to 8 bits, 2 (host order) for 16.
    public var bytesPerSample: Int { bitDepth > 8 ? 2 : 1 }
    public var bytesPerPixel: Int { channels * bytesPerSample }
    /// The largest value a sample can take.
    public var maxValue: Int { (1 << bitDepth) - 1 }

    public var description: String { "\(colorModel.rawValue) \(bitDepth)-bit" }
}
