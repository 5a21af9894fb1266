import TesseraCodebook
import TesseraCoding
import TesseraFormat
import TesseraSupport

/// The CBKP chunk: a codebook of whole-number codewords, entropy coded (docs/FORMAT.md).
///
/// A decoder of images of up to 8 bits rounds every codeword to whole samples anyway, so the
/// 32-bit floats of a `.tcb` (CBOK) carry nothing it uses. Rounded, sorted and predicted
/// within each codeword, a codebook takes about a tenth of the bytes: at K = 256 a Kodak
/// photograph's three codebooks fall from 49 KB (1.0 bit per pixel) to a few KB. The encoder
/// quantises with the rounded codewords, so what it measures is what a decoder makes.
public struct PackedCodebook: Sendable, Equatable {
    public static let version: UInt8 = 1
    /// ZigZag of a difference of two values 0…255.
    static let alphabetSize = 511

    public var patchSize: Int
    /// Codewords of each plane (chroma planes may have fewer than luma).
    public var codewordCounts: [Int]
    public var colorSpace: CodebookColorSpace
    /// Per plane, `codewordCounts[plane] × patchSize²` whole numbers 0…255 (as Float, the search's type).
    public var planes: [[Float]]

    /// A per-plane `codebook` rounded (see the other initialiser).
    public init(rounding codebook: Codebook) {
        precondition(codebook.layout.planeLayout == .perPlane)
        self.init(
            rounding: codebook.planes.map(\.codewords),
            codewordCounts: (0..<codebook.planes.count).map(codebook.codewordCount(plane:)),
            patchSize: codebook.layout.patchSize, colorSpace: codebook.colorSpace)
    }

    /// Each plane's codewords rounded to whole values and sorted (first value, then sum), which
    /// makes neighbours in the list alike.
    public init(rounding codewords: [[Float]], codewordCounts: [Int], patchSize: Int, colorSpace: CodebookColorSpace) {
        precondition(codewords.count == codewordCounts.count)
        self.patchSize = patchSize
        self.codewordCounts = codewordCounts
        self.colorSpace = colorSpace
        let d = patchSize * patchSize
        planes = zip(codewords, codewordCounts).map { values, k in
            precondition(values.count == k * d)
            let rounded = values.map { min(max($0.rounded(), 0), 255) }
            let order = (0..<k).sorted { a, b in
                let fa = rounded[a * d], fb = rounded[b * d]
                if fa != fb { return fa < fb }
                let sa = rounded[(a * d)..<(a * d + d)].reduce(0, +), sb = rounded[(b * d)..<(b * d + d)].reduce(0, +)
                return sa != sb ? sa < sb : a < b
            }
            return order.flatMap { rounded[($0 * d)..<($0 * d + d)] }
        }
    }

    /// A codebook of codewords already whole numbers 0…255 (an encoder's, after pruning).
    public init(patchSize: Int, codewordCounts: [Int], colorSpace: CodebookColorSpace, planes: [[Float]]) {
        self.patchSize = patchSize
        self.codewordCounts = codewordCounts
        self.colorSpace = colorSpace
        self.planes = planes
    }

    /// Prediction of value (row, column) of the codeword at `base` in `v`: the previous
    /// codeword's first value for the first value (128 for the first codeword), the left
    /// neighbour in the first row, the one above in the first column, else the median edge
    /// detector of left, above and above-left.
    @inline(__always)
    static func predict(_ v: UnsafeBufferPointer<Int32>, base: Int, row: Int, column: Int, p: Int, d: Int) -> Int32 {
        let i = base + row * p + column
        if row == 0 && column == 0 { return base == 0 ? 128 : v[base - d] }
        if row == 0 { return v[i - 1] }
        if column == 0 { return v[i - p] }
        let a = v[i - 1], b = v[i - p], c = v[i - p - 1]
        if c >= max(a, b) { return min(a, b) }
        if c <= min(a, b) { return max(a, b) }
        return a + b - c
    }

    public func encoded() throws -> [UInt8] {
        var w = ByteWriter()
        w.u8(Self.version)
        w.u8(UInt8(patchSize))
        w.u8(UInt8(planes.count))
        w.u8(colorSpace == .ycbcr ? 1 : 0)
        let p = patchSize, d = p * p
        for (plane, codewordCount) in zip(planes, codewordCounts) {
            w.u32(UInt32(codewordCount))
            let values = plane.map { Int32($0) }
            var symbols = [UInt16](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { v in
                for k in 0..<codewordCount {
                    for r in 0..<p {
                        for c in 0..<p {
                            let e = Int(v[k * d + r * p + c] - Self.predict(v, base: k * d, row: r, column: c, p: p, d: d))
                            symbols[k * d + r * p + c] = UInt16(ZigZag.encode(e))
                        }
                    }
                }
            }
            let model = try SymbolStreamModel.train(symbols: symbols, alphabetSize: Self.alphabetSize)
            w.blob(model.serialized())
            w.blob(try symbols.withUnsafeBufferPointer { try model.encode($0) })
        }
        return w.bytes
    }

    /// Parses and checks a CBKP payload; every size is checked before anything is allocated from it.
    public init(decoding bytes: [UInt8]) throws(ContainerError) {
        let context = "CBKP chunk"
        var r = ByteReader(bytes, context: context)
        let version = try r.u8()
        guard version == Self.version else {
            throw ContainerError.unsupportedFeature("CBKP chunk: version \(version) is unknown to this tessera")
        }
        let p = Int(try r.u8())
        let planeCount = Int(try r.u8())
        let space = try r.u8()
        guard [2, 4, 8, 16].contains(p) else { throw ContainerError.malformed(context, "patch size \(p)") }
        guard (1...4).contains(planeCount) else { throw ContainerError.malformed(context, "\(planeCount) planes") }
        guard space <= 1 else { throw ContainerError.malformed(context, "colour space \(space) is not 0 or 1") }
        let d = p * p
        var planes: [[Float]] = []
        var counts: [Int] = []
        for _ in 0..<planeCount {
            let k = Int(try r.u32())
            guard (2...4096).contains(k) else { throw ContainerError.malformed(context, "\(k) codewords, not 2 to 4096") }
            counts.append(k)
            let modelBytes = try r.blob(limit: 1 << 16)
            let stream = try r.blob(limit: TessFormat.maxChunkPayload)
            var symbols = [UInt16](repeating: 0, count: k * d)
            do {
                let model = try SymbolStreamModel(parsing: modelBytes)
                guard model.alphabetSize == Self.alphabetSize else {
                    throw ContainerError.malformed(context, "a model of \(model.alphabetSize) symbols, not \(Self.alphabetSize)")
                }
                try stream.withUnsafeBytes { raw in
                    try symbols.withUnsafeMutableBufferPointer { try model.decode(raw, into: $0) }
                }
            } catch let error as ContainerError {
                throw error
            } catch {
                throw ContainerError.malformed(context, "codewords do not decode (\(error))")
            }
            var values = [Int32](repeating: 0, count: k * d)
            var outOfRange = false
            values.withUnsafeMutableBufferPointer { v in
                let view = UnsafeBufferPointer(v)
                for i in 0..<(k * d) {
                    let base = i / d * d, j = i - base
                    let value = Self.predict(view, base: base, row: j / p, column: j % p, p: p, d: d)
                        + Int32(ZigZag.decode(Int(symbols[i])))
                    if value < 0 || value > 255 { outOfRange = true }
                    v[i] = value
                }
            }
            guard !outOfRange else { throw ContainerError.malformed(context, "a codeword value outside 0…255") }
            planes.append(values.map { Float($0) })
        }
        try r.expectEnd()
        self.init(patchSize: p, codewordCounts: counts, colorSpace: space == 1 ? .ycbcr : .channels, planes: planes)
    }
}
