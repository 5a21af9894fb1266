import TesseraFormat
import TesseraIO

/// Coding mode `residual` (docs/FORMAT.md, "Mode 1"), near-lossless and lossless: every sample
/// predicted from its decoded neighbours and the error quantised so that each decodes within
/// ±Max_Error (RPAR) of the original; no codebook. Each plane is one stream
/// (`ResidualPlaneCoder`, or `BilevelPlaneCoder` for 1-bit), in the order of the planes; with
/// colour transform 1 the planes are Y, Co, Cg of YCoCg-R, then alpha; with RPAR Predictor 1
/// the colour planes predict one another (`InterPlanePrediction`).
public struct ResidualCodec: TileEncoder, TileDecoder {
    public let header: ImageHeader
    public let parameters: ResidualParameters
    /// The coder of each plane.
    let coders: [any PlaneCoding]
    /// RPAR Predictor 1: the colour planes predict one another.
    let interPlane: Bool

    /// The codec of `parameters` for `header` (checked together by `HeaderValidation`).
    public init(header: ImageHeader, parameters: ResidualParameters) {
        precondition(header.codingMode == .residual)
        self.header = header
        self.parameters = parameters
        interPlane = parameters.interPlane
        precondition(!interPlane || header.format.channels >= 3, "inter-plane prediction needs colour")
        let hasAlpha = header.format.colorModel.hasAlpha
        if header.colorTransform == .ycocgR {
            precondition(header.format.bitDepth == 8 && header.format.channels >= 3 && parameters.maxError == 0)
            // Luma 0…255, chroma 0…510, alpha as it is; all exact.
            coders = (0..<header.planeCount).map { plane -> any PlaneCoding in
                ResidualPlaneCoder(maxValue: plane == 1 || plane == 2 ? 510 : 255, maxError: 0)
            }
            return
        }
        // 1-bit planes are always exact (an error of ±1 would allow any pixel at all).
        coders = (0..<header.planeCount).map { plane -> any PlaneCoding in
            if header.format.bitDepth == 1 { return BilevelPlaneCoder() }
            return ResidualPlaneCoder(
                bitDepth: header.format.bitDepth,
                maxError: parameters.maxError(plane: plane, planeCount: header.planeCount, hasAlpha: hasAlpha))
        }
    }

    public var headerChunks: [Chunk] { [Chunk(type: .residualParameters, payload: parameters.encoded())] }

    public func encode(_ tile: PixelBuffer) throws -> EncodedTile {
        if header.colorTransform == .ycocgR {
            return try encodeYCoCgR(tile)
        }
        if interPlane {
            return try encodeInterPlane(tile)
        }
        var decoded = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
        var streams: [[UInt8]] = []
        for (plane, coder) in coders.enumerated() {
            streams.append(try coder.encode(tile, plane: plane, into: &decoded))
        }
        return EncodedTile(streams: streams, original: tile, decoded: decoded)
    }

    public func decode(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> any DecodedTile
    {
        try decodePixels(data, width: width, height: height, context: context)
    }

    /// Lossless RGB(A) through YCoCg-R: three transformed planes, then alpha as it is.
    func encodeYCoCgR(_ tile: PixelBuffer) throws -> EncodedTile {
        var streams: [[UInt8]] = []
        let planes = YCoCgR.forward(tile)
        if interPlane {
            streams = try encodeColorPlanes(planes, width: tile.width, height: tile.height).streams
        } else {
            for (plane, samples) in planes.enumerated() {
                guard let coder = coders[plane] as? ResidualPlaneCoder else { break }
                streams.append(try coder.encode(samples, width: tile.width, height: tile.height).0)
            }
        }
        if header.planeCount == 4 {
            var ignored = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
            streams.append(try coders[3].encode(tile, plane: 3, into: &ignored))
        }
        // Exact by construction (the transform is reversible and every plane lossless).
        return EncodedTile(
            payload: TileStreams(streams: streams).encoded(),
            squaredError: Array(repeating: 0, count: header.planeCount), maxError: 0)
    }

    /// RGB(A) with inter-plane prediction: the three colour planes in coding order, then alpha
    /// as it is.
    func encodeInterPlane(_ tile: PixelBuffer) throws -> EncodedTile {
        let planes = (0..<3).map { ResidualPlaneCoder.samples(of: tile, plane: $0) }
        let coded = try encodeColorPlanes(planes, width: tile.width, height: tile.height)
        var streams = coded.streams
        var decoded = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
        for (plane, samples) in coded.decoded.enumerated() {
            ResidualPlaneCoder.store(samples, plane: plane, into: &decoded)
        }
        if header.planeCount == 4 {
            streams.append(try coders[3].encode(tile, plane: 3, into: &decoded))
        }
        return EncodedTile(streams: streams, original: tile, decoded: decoded)
    }

    /// Codes planes 0, 1, 2 with inter-plane prediction: the streams (plane order) and the
    /// decoded samples of each plane.
    func encodeColorPlanes(_ planes: [[UInt16]], width: Int, height: Int) throws
        -> (streams: [[UInt8]], decoded: [[UInt16]])
    {
        var streams = [[UInt8]](repeating: [], count: 3)
        var decoded = [[UInt16]](repeating: [], count: 3)
        var errors: [[Int32]] = []
        for (k, plane) in InterPlanePrediction.order(colorTransform: header.colorTransform).enumerated() {
            guard let coder = coders[plane] as? ResidualPlaneCoder else {
                preconditionFailure("colour planes have residual coders")
            }
            var weights: [Int] = []
            if k > 0 {
                let target = InterPlanePrediction.medianErrors(
                    planes[plane], width: width, height: height, maxValue: coder.maxValue)
                weights = InterPlanePrediction.weights(target: target, references: errors)
            }
            var coded = try coder.encode(
                planes[plane], width: width, height: height,
                correction: InterPlanePrediction.correction(weights: weights, errors: errors), keepErrors: k < 2)
            // The weights are estimated from the original samples; where the decoded references
            // are coarse (large E, or noisy JPEG-decoded scans) they can cost more than they save
            // (+31 % on one colour page at E = 8, +10 % on a photograph at E = 16): the plane is
            // then coded again without them and the smaller kept, so it never costs more than
            // the plain median predictor.
            if weights.contains(where: { $0 != 0 }) {
                let plain = try coder.encode(
                    planes[plane], width: width, height: height, correction: [], keepErrors: k < 2)
                if plain.bytes.count < coded.bytes.count {
                    coded = plain
                    weights = [Int](repeating: 0, count: k)
                }
            }
            streams[plane] = InterPlanePrediction.encodeWeights(weights) + coded.bytes
            decoded[plane] = coded.decoded
            errors.append(coded.errors)
        }
        return (streams, decoded)
    }

    /// The inverse of `encodeColourPlanes`.
    func decodeColorPlanes(_ streams: [ArraySlice<UInt8>], width: Int, height: Int, context: String)
        throws(ContainerError) -> [[UInt16]]
    {
        var decoded = [[UInt16]](repeating: [], count: 3)
        var errors: [[Int32]] = []
        for (k, plane) in InterPlanePrediction.order(colorTransform: header.colorTransform).enumerated() {
            guard let coder = coders[plane] as? ResidualPlaneCoder else {
                preconditionFailure("colour planes have residual coders")
            }
            let (weights, rest) = try InterPlanePrediction.decodeWeights(streams[plane], count: k, context: context)
            let result = try coder.decode(
                rest, width: width, height: height,
                correction: InterPlanePrediction.correction(weights: weights, errors: errors), keepErrors: k < 2,
                context: context)
            decoded[plane] = result.decoded
            errors.append(result.errors)
        }
        return decoded
    }

    /// Mode `residual`: every plane of the tile, then the colour transform undone.
    func decodePixels(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> PixelBuffer
    {
        let streams = try TileStreams.decode(data, expected: header.planeCount, context: context)
        var out = PixelBuffer(width: width, height: height, format: header.format)
        if header.colorTransform == .ycocgR {
            var planes: [[UInt16]] = []
            if interPlane {
                planes = try decodeColorPlanes(streams, width: width, height: height, context: context)
            } else {
                for plane in 0..<3 {
                    guard let coder = coders[plane] as? ResidualPlaneCoder else { break }
                    planes.append(try coder.decode(streams[plane], width: width, height: height, context: context))
                }
            }
            YCoCgR.inverse(planes, into: &out)
            if header.planeCount == 4 {
                try coders[3].decode(streams[3], plane: 3, into: &out, context: context)
            }
            return out
        }
        if interPlane {
            let planes = try decodeColorPlanes(streams, width: width, height: height, context: context)
            for (plane, samples) in planes.enumerated() {
                ResidualPlaneCoder.store(samples, plane: plane, into: &out)
            }
            if header.planeCount == 4 {
                try coders[3].decode(streams[3], plane: 3, into: &out, context: context)
            }
            return out
        }
        for (plane, coder) in coders.enumerated() {
            try coder.decode(streams[plane], plane: plane, into: &out, context: context)
        }
        return out
    }
}
