import TesseraFormat
import TesseraSupport
/// The TPAR chunk: how coding mode `transform` quantises (docs/FORMAT.md, "Mode 2").
public struct TransformParameters: Sendable, Equatable {
    public static let version: UInt8 = 1
    /// Block side: the transform is the orthonormal 8×8 DCT-II.
    public static let blockSize = 8
    /// Steps are stored in 1/16 of a sample.
    public static let stepUnit = 16.0
    /// The smallest and largest step a file may give (in samples).
    public static let stepRange = 0.25...255.0

    /// The quantiser step of every colour plane (alpha is coded exactly), in samples.
    public var steps: [Double]
    /// AC coefficients decode to (|q| − bias) × step, toward zero: bias in 1/64 of a step (0…32).
    public var bias: Int

    public init(steps: [Double], bias: Int) {
        self.steps = steps.map { ($0 * Self.stepUnit).rounded() / Self.stepUnit }
        self.bias = bias
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 4 + 2 * steps.count)
        w.u8(Self.version)
        w.u8(UInt8(Self.blockSize))
        w.u8(UInt8(steps.count))
        w.u8(UInt8(bias))
        for s in steps { w.u16(UInt16((s * Self.stepUnit).rounded())) }
        return w.bytes
    }

    /// `planeCount`: the image's colour planes (alpha, coded exactly, has no step).
    public init(decoding bytes: [UInt8], planeCount: Int) throws(ContainerError) {
        var r = ByteReader(bytes, context: "TPAR chunk")
        let version = try r.u8()
        guard version == Self.version else {
            throw ContainerError.unsupportedFeature("TPAR chunk: version \(version) is unknown to this tessera")
        }
        let block = Int(try r.u8())
        guard block == Self.blockSize else {
            throw ContainerError.unsupportedFeature("TPAR chunk: block size \(block) (only 8 is defined)")
        }
        let count = Int(try r.u8())
        guard count == planeCount else {
            throw ContainerError.malformed("TPAR chunk", "\(count) steps for \(planeCount) planes")
        }
        let bias = Int(try r.u8())
        guard bias <= 32 else { throw ContainerError.malformed("TPAR chunk", "bias \(bias) is above 32") }
        var steps: [Double] = []
        for _ in 0..<count {
            let s = Double(try r.u16()) / Self.stepUnit
            guard Self.stepRange.contains(s) else {
                throw ContainerError.malformed("TPAR chunk", "step \(s) is outside \(Self.stepRange)")
            }
            steps.append(s)
        }
        try r.expectEnd()
        self.init(steps: steps, bias: bias)
    }
}
