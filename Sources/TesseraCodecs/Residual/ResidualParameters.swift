import TesseraFormat
import TesseraSupport
/// The RPAR chunk: how coding mode `residual` predicts and quantises (docs/FORMAT.md).
public struct ResidualParameters: Sendable, Equatable {
    public static let version: UInt8 = 1
    /// The median edge detector of LOCO-I / JPEG-LS, every plane on its own.
    public static let medianPredictor: UInt8 = 0
    /// Colour only: the median edge detector corrected by the prediction errors of planes
    /// decoded before (docs/FORMAT.md, "Inter-plane prediction").
    public static let interPlanePredictor: UInt8 = 1
    public static let contextCount = 8

    /// Every colour (or grey) sample decodes within ±maxError of the original; 0 is lossless.
    public var maxError: Int
    /// Alpha planes are always coded exactly.
    public var alphaExact: Bool
    /// `medianPredictor` or `interPlanePredictor`.
    public var predictor: UInt8

    public init(maxError: Int, alphaExact: Bool = true, predictor: UInt8 = Self.medianPredictor) {
        self.maxError = maxError
        self.alphaExact = alphaExact
        self.predictor = predictor
    }

    /// Whether colour planes are predicted from one another.
    public var interPlane: Bool { predictor == Self.interPlanePredictor }

    /// Max error of plane `plane` of an image in `format`.
    public func maxError(plane: Int, planeCount: Int, hasAlpha: Bool) -> Int {
        alphaExact && hasAlpha && plane == planeCount - 1 ? 0 : maxError
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.u8(Self.version)
        w.u8(UInt8(maxError))
        w.u8(predictor)
        w.u8(UInt8(Self.contextCount))
        w.u8(alphaExact ? 1 : 0)
        w.u8(0)
        w.u16(0)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(ContainerError) {
        var r = ByteReader(bytes, context: "RPAR chunk")
        let version = try r.u8()
        guard version == Self.version else {
            throw ContainerError.unsupportedFeature("RPAR chunk: version \(version) is unknown to this tessera")
        }
        let e = Int(try r.u8())
        let predictor = try r.u8()
        let contexts = Int(try r.u8())
        let alpha = try r.u8()
        let reserved = UInt32(try r.u8()) | UInt32(try r.u16()) << 8
        try r.expectEnd()
        guard predictor == Self.medianPredictor || predictor == Self.interPlanePredictor else {
            throw ContainerError.unsupportedFeature("RPAR chunk: predictor \(predictor) is unknown to this tessera")
        }
        guard contexts == Self.contextCount else {
            throw ContainerError.malformed("RPAR chunk", "\(contexts) contexts where \(Self.contextCount) are defined")
        }
        guard e <= 64 else { throw ContainerError.malformed("RPAR chunk", "max error \(e) is above 64") }
        guard alpha <= 1, reserved == 0 else { throw ContainerError.unsupportedFeature("RPAR chunk: reserved bits are set") }
        self.init(maxError: e, alphaExact: alpha == 1, predictor: predictor)
    }
}
