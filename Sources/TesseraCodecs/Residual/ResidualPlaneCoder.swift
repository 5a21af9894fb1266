import TesseraCoding
import TesseraFormat
import TesseraIO
import TesseraSupport

/// Coding mode `residual` for one plane of one tile (docs/FORMAT.md): each sample is predicted
/// from its already decoded neighbours in the tile (the median edge detector of LOCO-I), the
/// prediction error is quantised with step 2E+1, so that the decoded sample is within ±E of the
/// original (exact at E = 0), and the quantised errors are entropy coded in 8 contexts of local
/// activity, each with its own order-0 model trained on the tile.
///
/// Measured before choosing (zero-order entropy of the error, grey, bits per sample): Kodak 01
/// VQ-prediction 5.55 / MED 5.51; Kodak 23 4.00 / 3.83; a grey scan 4.39 / 4.05; a text page
/// 0.67 / 0.15. Predicting from decoded neighbours beats predicting from the VQ image, so this
/// mode needs no codebook.
struct ResidualPlaneCoder: PlaneCoding {
    let maxValue: Int
    let maxError: Int
    var step: Int { 2 * maxError + 1 }
    /// Largest |quantised error|.
    var qMax: Int { (maxValue + maxError) / step }
    /// Symbols the context models code: every ZigZag value directly up to 10-bit samples; above
    /// (16-bit), a token of the value's magnitude with its low bits sent raw (`wide`).
    var alphabetSize: Int { wide ? Self.tokenCount : 2 * qMax + 1 }
    /// Samples above 10 bits: values coded as magnitude tokens plus raw bits.
    var wide: Bool { maxValue > 1023 }
    static let directTokens = 32
    static let tokenCount = directTokens + 12 * 4
    /// Activity is measured on a 0–255 scale whatever the depth.
    let activityScale: Int

    static let contexts = ResidualParameters.contextCount
    static let thresholds = [2, 6, 14, 30, 62]
    /// Inter-plane prediction: how much the size of a sample's correction adds to its activity
    /// (where the reference planes missed, this one is likely to miss too). Measured at E = 2 and
    /// 8: weight 2 saves 0.2–0.5 % over 0; 1 and 4 save less.
    static let correctionActivity = 2

    init(bitDepth: Int, maxError: Int) {
        self.init(maxValue: (1 << bitDepth) - 1, maxError: maxError)
    }

    /// Samples from 0 to `maxValue` (up to 510: the chroma planes of YCoCg-R, offset by 255).
    init(maxValue: Int, maxError: Int) {
        self.maxValue = maxValue
        self.maxError = maxError
        activityScale = max(1, 255 / maxValue)
    }

    /// Token of a ZigZag value `u` (wide planes): `u` itself below 32, else 32 + 4·(n − 5) + the
    /// two bits after the leading one, `n` being the position of the leading one; the `n − 2`
    /// bits below those are sent raw.
    @inline(__always)
    static func token(_ u: Int) -> (token: Int, rawBits: Int, raw: Int) {
        if u < directTokens { return (u, 0, 0) }
        let n = Int.bitWidth - 1 - u.leadingZeroBitCount
        return (directTokens + 4 * (n - 5) + (u >> (n - 2)) & 3, n - 2, u & ((1 << (n - 2)) - 1))
    }

    @inline(__always)
    static func value(token t: Int, raw: (Int) -> Int) -> Int {
        if t < directTokens { return t }
        let n = (t - directTokens) / 4 + 5
        return 1 << n | ((t - directTokens) & 3) << (n - 2) | raw(n - 2)
    }

    @inline(__always)
    static func median(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let hi = max(a, b), lo = min(a, b)
        if c >= hi { return lo }
        if c <= lo { return hi }
        return a + b - c
    }

    /// Prediction and context of sample (x, y) from the decoded samples `r` (row stride w);
    /// `extra` is added to the activity (inter-plane prediction: the size of its correction).
    @inline(__always)
    func predict(_ r: UnsafeMutableBufferPointer<UInt16>, x: Int, y: Int, w: Int, extra: Int = 0) -> (Int, Int) {
        if y == 0 {
            return (x == 0 ? (maxValue + 1) / 2 : Int(r[x - 1]), Self.contexts - 1)
        }
        let i = y * w + x
        let b = Int(r[i - w])
        if x == 0 { return (b, Self.contexts - 1) }
        let a = Int(r[i - 1]), c = Int(r[i - w - 1])
        let d = x + 1 < w ? Int(r[i - w + 1]) : b
        let raw = abs(d - b) + abs(b - c) + abs(c - a) + extra
        // Activity on a 0–255 scale: 16-bit differences are scaled down, small depths up.
        let g = (wide ? raw * 255 / maxValue : raw * activityScale) / (1 + maxError)
        var ctx = 0
        if g > 0 {
            ctx = 6
            for (k, t) in Self.thresholds.enumerated() where g <= t {
                ctx = k + 1
                break
            }
        }
        return (Self.median(a, b, c), ctx)
    }

    /// The prediction and context of sample (x, y), the same for encoder and decoder: the median
    /// edge detector's, moved by the inter-plane `correction` when there is one (which also
    /// raises the activity the context is chosen by).
    @inline(__always)
    func correctedPrediction(_ r: UnsafeMutableBufferPointer<UInt16>, x: Int, y: Int, w: Int, correction c: Int?)
        -> (prediction: Int, context: Int, median: Int)
    {
        guard let c else {
            let (median, ctx) = predict(r, x: x, y: y, w: w, extra: 0)
            return (median, ctx, median)
        }
        let (median, ctx) = predict(r, x: x, y: y, w: w, extra: abs(c) * Self.correctionActivity)
        return (min(max(median + c, 0), maxValue), ctx, median)
    }

    /// Codes `plane` of `tile` (interleaved samples, one byte each) and writes the decoded
    /// samples into the same plane of `decoded`.
    func encode(_ tile: PixelBuffer, plane: Int, into decoded: inout PixelBuffer) throws -> [UInt8] {
        let (bytes, rec) = try encode(Self.samples(of: tile, plane: plane), width: tile.width, height: tile.height)
        Self.store(rec, plane: plane, into: &decoded)
        return bytes
    }

    func decode(_ bytes: ArraySlice<UInt8>, plane: Int, into out: inout PixelBuffer, context: String)
        throws(ContainerError)
    {
        let rec = try decode(bytes, width: out.width, height: out.height, context: context)
        Self.store(rec, plane: plane, into: &out)
    }

    /// One plane of a tile as samples (1 or 2 bytes each, little-endian).
    static func samples(of tile: PixelBuffer, plane: Int) -> [UInt16] {
        let channels = tile.format.channels
        let two = tile.format.bytesPerSample == 2
        return (0..<(tile.width * tile.height)).map { i -> UInt16 in
            let j = i * channels + plane
            return two ? UInt16(tile.bytes[2 * j]) | UInt16(tile.bytes[2 * j + 1]) << 8 : UInt16(tile.bytes[j])
        }
    }

    /// Writes `samples` into `plane` of `out` (1 or 2 bytes per sample, little-endian).
    static func store(_ samples: [UInt16], plane: Int, into out: inout PixelBuffer) {
        let channels = out.format.channels
        let two = out.format.bytesPerSample == 2
        out.bytes.withUnsafeMutableBufferPointer { dst in
            for i in 0..<samples.count {
                let j = i * channels + plane
                if two {
                    dst[2 * j] = UInt8(truncatingIfNeeded: samples[i])
                    dst[2 * j + 1] = UInt8(truncatingIfNeeded: samples[i] >> 8)
                } else {
                    dst[j] = UInt8(truncatingIfNeeded: samples[i])
                }
            }
        }
    }

    /// Codes a plane of `width × height` samples (each at most `maxValue`), returning the
    /// stream and the decoded samples.
    func encode(_ samples: [UInt16], width w: Int, height h: Int) throws -> ([UInt8], [UInt16]) {
        let coded = try encode(samples, width: w, height: h, correction: [], keepErrors: false)
        return (coded.bytes, coded.decoded)
    }

    /// Inter-plane prediction: each sample's median prediction is moved by `correction` (one
    /// value per sample, or empty for none) before quantising; with `keepErrors` the decoded
    /// samples' errors from the plain median prediction are returned, for the planes after.
    func encode(_ samples: [UInt16], width w: Int, height h: Int, correction: [Int32], keepErrors: Bool) throws
        -> (bytes: [UInt8], decoded: [UInt16], errors: [Int32])
    {
        var rec = [UInt16](repeating: 0, count: w * h)
        var errors = [Int32](repeating: 0, count: keepErrors ? w * h : 0)
        var lists = [[UInt16]](repeating: [], count: Self.contexts)
        let s = step, e = maxError, top = maxValue, wideCoding = wide
        let corrected = !correction.isEmpty
        var raw = RawBitWriter()
        samples.withUnsafeBufferPointer { src in
            rec.withUnsafeMutableBufferPointer { r in
                correction.withUnsafeBufferPointer { corr in
                    errors.withUnsafeMutableBufferPointer { errs in
                        for y in 0..<h {
                            for x in 0..<w {
                                let i = y * w + x
                                let (p, ctx, median) = correctedPrediction(
                                    r, x: x, y: y, w: w, correction: corrected ? Int(corr[i]) : nil)
                                let v = Int(src[i])
                                let err = v - p
                                let q = err >= 0 ? (err + e) / s : -((-err + e) / s)
                                let value = min(max(p + q * s, 0), top)
                                r[i] = UInt16(value)
                                if keepErrors { errs[i] = Int32(value - median) }
                                if wideCoding {
                                    let (t, n, bits) = Self.token(ZigZag.encode(q))
                                    lists[ctx].append(UInt16(t))
                                    if n > 0 { raw.put(bits, count: n) }
                                } else {
                                    lists[ctx].append(UInt16(ZigZag.encode(q)))
                                }
                            }
                        }
                    }
                }
            }
        }
        var out = ByteWriter(capacity: 64)
        for list in lists { out.u32(UInt32(list.count)) }
        for list in lists where !list.isEmpty {
            let model = try SymbolStreamModel.train(symbols: list, alphabetSize: alphabetSize)
            let stream = try list.withUnsafeBufferPointer { try model.encode($0) }
            out.blob(model.serialized())
            out.blob(stream)
        }
        if wideCoding { out.blob(raw.finish()) }
        return (out.bytes, rec, errors)
    }

    /// Decodes a plane of `width × height` samples.
    func decode(_ bytes: ArraySlice<UInt8>, width w: Int, height h: Int, context: String) throws(ContainerError)
        -> [UInt16]
    {
        try decode(bytes, width: w, height: h, correction: [], keepErrors: false, context: context).decoded
    }

    /// The inverse of `encode(_:width:height:correction:keepErrors:)`.
    func decode(
        _ bytes: ArraySlice<UInt8>, width w: Int, height h: Int, correction: [Int32], keepErrors: Bool,
        context: String
    ) throws(ContainerError) -> (decoded: [UInt16], errors: [Int32]) {
        var reader = ByteReader(bytes, context: context)
        var counts: [Int] = []
        for _ in 0..<Self.contexts { counts.append(Int(try reader.u32())) }
        guard counts.reduce(0, +) == w * h else {
            throw ContainerError.malformed(context, "residual counts add up to \(counts.reduce(0, +)), not \(w * h)")
        }
        var lists: [[UInt16]] = []
        for n in counts {
            guard n > 0 else {
                lists.append([])
                continue
            }
            let modelBytes = try reader.blob(limit: 1 << 20)
            let stream = try reader.blob(limit: TessFormat.maxChunkPayload)
            var list = [UInt16](repeating: 0, count: n)
            do {
                let model = try SymbolStreamModel(parsing: modelBytes)
                guard model.alphabetSize == alphabetSize else {
                    throw ContainerError.malformed(
                        context, "residual model of \(model.alphabetSize) symbols, not \(alphabetSize)")
                }
                try stream.withUnsafeBytes { raw in
                    try list.withUnsafeMutableBufferPointer { try model.decode(raw, into: $0) }
                }
            } catch let error as ContainerError {
                throw error
            } catch {
                throw ContainerError.malformed(context, "residual stream does not decode (\(error))")
            }
            lists.append(list)
        }
        let rawBytes = wide ? try reader.blob(limit: TessFormat.maxChunkPayload) : []
        try reader.expectEnd()
        var raw = RawBitReader(rawBytes)
        let wideCoding = wide
        var cursors = [Int](repeating: 0, count: Self.contexts)
        var rec = [UInt16](repeating: 0, count: w * h)
        var errors = [Int32](repeating: 0, count: keepErrors ? w * h : 0)
        let s = step, top = maxValue
        let corrected = !correction.isEmpty
        var overrun = false
        rec.withUnsafeMutableBufferPointer { r in
            correction.withUnsafeBufferPointer { corr in
                errors.withUnsafeMutableBufferPointer { errs in
                    for y in 0..<h {
                        for x in 0..<w {
                            let i = y * w + x
                            let (p, ctx, median) = correctedPrediction(
                                r, x: x, y: y, w: w, correction: corrected ? Int(corr[i]) : nil)
                            let k = cursors[ctx]
                            guard k < counts[ctx] else {
                                overrun = true
                                return
                            }
                            cursors[ctx] = k + 1
                            let t = Int(lists[ctx][k])
                            let u = wideCoding ? Self.value(token: t) { raw.take($0) } : t
                            let q = ZigZag.decode(u)
                            let value = min(max(p + q * s, 0), top)
                            r[i] = UInt16(value)
                            if keepErrors { errs[i] = Int32(value - median) }
                        }
                    }
                }
            }
        }
        guard !overrun, cursors == counts else {
            throw ContainerError.malformed(context, "residual contexts do not match their counts")
        }
        guard raw.isConsistent else {
            throw ContainerError.malformed(context, "residual raw bits do not match their tokens")
        }
        return (rec, errors)
    }
}
