import TesseraCodebook
import TesseraFormat
import TesseraIO

/// Codes one tile on its own, given the image header, the codebook and the
/// entropy model: the unit of parallel work in compression and decompression.
///
/// Coding mode `vq` (docs/FORMAT.md): each channel is a plane (or, with colour
/// transform 2, Y, Cb and Cr are); every patch of a plane is replaced by the index
/// of its nearest codeword; each plane's index map is one entropy-coded stream.
public struct TileCodec: Sendable {
    public let header: ImageHeader
    /// Codebook of each plane (the same one may serve several planes).
    public let quantisers: [any PatchQuantiser]
    /// Entropy coder of each plane's index maps.
    public let coders: [any IndexMapCoding]

    /// Per plane, every codeword already turned into samples (rounded, clamped,
    /// at the image's depth), so decoding a patch is a table look-up and a copy.
    let sampleTables: [[UInt16]]
    /// The same tables as bytes, for images of at most 8 bits (empty otherwise).
    let byteTables: [[UInt8]]
    /// Per plane, the nearest codeword of the flat patch of every sample value:
    /// blank paper and flat areas skip the search (the same kernel filled this
    /// table, so the result is identical).
    let flatIndex: [[UInt16]]
    /// Forms patch vectors exactly as training did (TesseraCodebook's one place for it).
    let extractor: PatchExtractor
    /// Coding mode `residual`: the coder of each plane (no codebook, no index maps). Mode
    /// `transform`: the one exact coder of the alpha plane, if any.
    let residual: [any PlaneCoding]
    /// Coding mode `residual`, RPAR Predictor 1: the colour planes predict one another.
    let interPlane: Bool
    /// Coding mode `transform`: the coder of each colour plane (alpha is coded exactly, by
    /// `residual`'s one coder).
    let transformCoders: [TransformPlaneCoder]

    /// A codec for coding mode `residual` (near-lossless / lossless), depths up to 8 bits.
    public init(header: ImageHeader, residual parameters: ResidualParameters) {
        precondition(header.codingMode == .residual)
        extractor = Self.extractor(for: header)
        self.header = header
        quantisers = []
        coders = []
        sampleTables = []
        byteTables = []
        flatIndex = []
        transformCoders = []
        interPlane = parameters.interPlane
        precondition(!interPlane || header.format.channels >= 3, "inter-plane prediction needs colour")
        let hasAlpha = header.format.colorModel.hasAlpha
        if header.colorTransform == .ycocgR {
            precondition(header.format.bitDepth == 8 && header.format.channels >= 3 && parameters.maxError == 0)
            // Luma 0…255, chroma 0…510, alpha as it is; all exact.
            residual = (0..<header.planeCount).map { plane -> any PlaneCoding in
                ResidualPlaneCoder(maxValue: plane == 1 || plane == 2 ? 510 : 255, maxError: 0)
            }
            return
        }
        // 1-bit planes are always exact (an error of ±1 would allow any pixel at all).
        residual = (0..<header.planeCount).map { plane -> any PlaneCoding in
            if header.format.bitDepth == 1 { return BilevelPlaneCoder() }
            return ResidualPlaneCoder(
                bitDepth: header.format.bitDepth,
                maxError: parameters.maxError(plane: plane, planeCount: header.planeCount, hasAlpha: hasAlpha))
        }
    }

    /// A codec for coding mode `transform` (8-bit images).
    public init(header: ImageHeader, transform parameters: TransformParameters) {
        precondition(header.codingMode == .transform && header.format.bitDepth == 8)
        extractor = Self.extractor(for: header)
        self.header = header
        quantisers = []
        coders = []
        sampleTables = []
        byteTables = []
        flatIndex = []
        interPlane = false
        transformCoders = parameters.steps.map { TransformPlaneCoder(step: $0, biasSixtyFourths: parameters.bias) }
        residual = header.format.colorModel.hasAlpha ? [ResidualPlaneCoder(bitDepth: 8, maxError: 0)] : []
    }

    /// `encoding: false` (a decoder) skips the tables only quantising needs.
    public init(
        header: ImageHeader, quantisers: [any PatchQuantiser], coders: [any IndexMapCoding], encoding: Bool = true
    ) {
        precondition(quantisers.count == header.planeCount && coders.count == header.planeCount)
        residual = []
        interPlane = false
        transformCoders = []
        extractor = Self.extractor(for: header)
        self.header = header
        self.quantisers = quantisers
        self.coders = coders
        let scale = Self.scale(for: header.format)
        let maxValue = Float(header.format.maxValue)
        sampleTables = quantisers.map { q in
            q.codewords.map { UInt16(min(max($0 / scale, 0), maxValue).rounded()) }
        }
        byteTables = header.format.bytesPerSample == 1 ? sampleTables.map { $0.map { UInt8(truncatingIfNeeded: $0) } } : []
        // 16-bit would need 65536 searches per plane at every open: no table there.
        let levels = encoding && header.format.bitDepth <= 8 ? header.format.maxValue + 1 : 0
        let d = header.patchSize * header.patchSize
        flatIndex = quantisers.map { q in
            var patches = [Float](repeating: 0, count: levels * d)
            for v in 0..<levels {
                for j in 0..<d { patches[v * d + j] = Float(v) * scale }
            }
            var indices = [UInt16](repeating: 0, count: levels)
            guard levels > 0 else { return indices }
            patches.withUnsafeBufferPointer { p in
                indices.withUnsafeMutableBufferPointer { q.nearest(p, count: levels, into: $0) }
            }
            return indices
        }
    }

    static func extractor(for header: ImageHeader) -> PatchExtractor {
        // IHDR's checks (patch 2…16, 1…4 planes) are stricter than the layout's.
        guard
            let layout = try? PatchLayout(
                patchSize: header.patchSize, channelCount: header.planeCount, planeLayout: .perPlane),
            let extractor = try? PatchExtractor(layout: layout, format: header.format)
        else { preconditionFailure("a validated header always has a patch layout") }
        return extractor
    }

    /// Multiplier from a stored sample to the codebooks' 0–255 scale (1-bit 0/1
    /// → 0/255, 16-bit ÷ 257), so one codebook serves images of any depth.
    public var scale: Float { Self.scale(for: header.format) }

    public static func scale(for format: PixelFormat) -> Float {
        format.bitDepth == 8 ? 1 : 255 / Float(format.maxValue)
    }

    /// The result of coding a tile.
    public struct Encoded: Sendable {
        public var payload: [UInt8]
        /// Sum of squared errors of the reconstruction, per channel.
        public var squaredError: [Double]
        /// Largest absolute error of any sample.
        public var maxError: Int
    }

    /// The index map of every plane of `tile`, patches in raster order.
    public func quantise(_ tile: PixelBuffer) -> [[UInt16]] {
        if header.colorTransform == .ycbcr420 { return quantiseSubsampled(tile) }
        let grid = PatchGrid(width: tile.width, height: tile.height, patchSize: header.patchSize)
        let d = grid.dimension
        let n = grid.count
        // Every plane's vectors at once: plane c's patches start at c·n·d.
        var patches = [Float](repeating: 0, count: header.planeCount * n * d)
        patches.withUnsafeMutableBufferPointer { out in
            tile.bytes.withUnsafeBytes { rows in
                guard let base = out.baseAddress else { return }
                for i in 0..<n {
                    extractor.extract(
                        rows: rows, width: tile.width, rowCount: tile.height, x: (i % grid.columns) * grid.size,
                        row0: (i / grid.columns) * grid.size, into: base + i * d, vectorStride: n * d)
                }
            }
        }
        var maps: [[UInt16]] = []
        patches.withUnsafeBufferPointer { all in
            for plane in 0..<header.planeCount {
                maps.append(
                    search(UnsafeBufferPointer(rebasing: all[(plane * n * d)..<((plane + 1) * n * d)]), count: n, plane: plane))
            }
        }
        return maps
    }

    /// The indices of `count` patch vectors of plane `plane`: flat patches take their index
    /// from the table; the rest are searched together.
    func search(_ p: UnsafeBufferPointer<Float>, count n: Int, plane: Int) -> [UInt16] {
        let d = header.patchSize * header.patchSize
        var map = [UInt16](repeating: 0, count: n)
        var varied = [Float](repeating: 0, count: n * d)
        var variedAt = [Int](repeating: 0, count: n)
        var found = [UInt16](repeating: 0, count: n)
        let flat = flatIndex[plane]
        let invScale = 1 / scale
        var m = 0
        varied.withUnsafeMutableBufferPointer { v in
            for i in 0..<n {
                let first = p[i * d]
                var same = true
                for j in 1..<d where p[i * d + j] != first {
                    same = false
                    break
                }
                if same && !flat.isEmpty {
                    map[i] = flat[Int((first * invScale).rounded())]
                } else {
                    for j in 0..<d { v[m * d + j] = p[i * d + j] }
                    variedAt[m] = i
                    m += 1
                }
            }
            if m > 0 {
                found.withUnsafeMutableBufferPointer { f in
                    quantisers[plane].nearest(UnsafeBufferPointer(v), count: m, into: f)
                }
                for k in 0..<m { map[variedAt[k]] = found[k] }
            }
        }
        return map
    }

    public func encode(_ tile: PixelBuffer) throws -> Encoded {
        if !transformCoders.isEmpty {
            return try encodeTransform(tile)
        }
        if header.colorTransform == .ycocgR {
            return try encodeYCoCgR(tile)
        }
        if interPlane {
            return try encodeInterPlane(tile)
        }
        if !residual.isEmpty {
            var decoded = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
            var streams: [[UInt8]] = []
            for (plane, coder) in residual.enumerated() {
                streams.append(try coder.encode(tile, plane: plane, into: &decoded))
            }
            let (sse, maxError) = Self.compare(tile, decoded)
            return Encoded(payload: TileStreams(streams: streams).encoded(), squaredError: sse, maxError: maxError)
        }
        let grid = PatchGrid(width: tile.width, height: tile.height, patchSize: header.patchSize)
        // Colour transforms 2 and 3: the planes quantised are Y, Cb, Cr; the error is measured on R, G, B.
        let maps = quantise(header.colorTransform.isYCbCr ? YCbCr.forward(tile) : tile)
        let streams = try maps.enumerated().map { plane, map in
            let g = planeGrid(grid, plane: plane)
            return try map.withUnsafeBufferPointer { try coders[plane].encode($0, width: g.columns, height: g.rows) }
        }
        let reconstruction = reconstruct(maps, grid: grid)
        let (sse, maxError) = Self.compare(tile, reconstruction)
        return Encoded(payload: TileStreams(streams: streams).encoded(), squaredError: sse, maxError: maxError)
    }

    /// Lossless RGB(A) through YCoCg-R: three transformed planes, then alpha as it is.
    func encodeYCoCgR(_ tile: PixelBuffer) throws -> Encoded {
        var streams: [[UInt8]] = []
        let planes = YCoCgR.forward(tile)
        if interPlane {
            streams = try encodeColourPlanes(planes, width: tile.width, height: tile.height).streams
        } else {
            for (plane, samples) in planes.enumerated() {
                guard let coder = residual[plane] as? ResidualPlaneCoder else { break }
                streams.append(try coder.encode(samples, width: tile.width, height: tile.height).0)
            }
        }
        if header.planeCount == 4 {
            var ignored = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
            streams.append(try residual[3].encode(tile, plane: 3, into: &ignored))
        }
        // Exact by construction (the transform is reversible and every plane lossless).
        return Encoded(
            payload: TileStreams(streams: streams).encoded(),
            squaredError: Array(repeating: 0, count: header.planeCount), maxError: 0)
    }

    /// RGB(A) with inter-plane prediction: the three colour planes in coding order, then alpha
    /// as it is.
    func encodeInterPlane(_ tile: PixelBuffer) throws -> Encoded {
        let planes = (0..<3).map { Self.samples(of: tile, plane: $0) }
        let coded = try encodeColourPlanes(planes, width: tile.width, height: tile.height)
        var streams = coded.streams
        var decoded = PixelBuffer(width: tile.width, height: tile.height, format: tile.format)
        for (plane, samples) in coded.decoded.enumerated() {
            ResidualPlaneCoder.store(samples, plane: plane, into: &decoded)
        }
        if header.planeCount == 4 {
            streams.append(try residual[3].encode(tile, plane: 3, into: &decoded))
        }
        let (sse, maxError) = Self.compare(tile, decoded)
        return Encoded(payload: TileStreams(streams: streams).encoded(), squaredError: sse, maxError: maxError)
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

    /// Codes planes 0, 1, 2 with inter-plane prediction: the streams (plane order) and the
    /// decoded samples of each plane.
    func encodeColourPlanes(_ planes: [[UInt16]], width: Int, height: Int) throws
        -> (streams: [[UInt8]], decoded: [[UInt16]])
    {
        var streams = [[UInt8]](repeating: [], count: 3)
        var decoded = [[UInt16]](repeating: [], count: 3)
        var errors: [[Int32]] = []
        for (k, plane) in InterPlanePrediction.order(colorTransform: header.colorTransform).enumerated() {
            guard let coder = residual[plane] as? ResidualPlaneCoder else {
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
    func decodeColourPlanes(_ streams: [ArraySlice<UInt8>], width: Int, height: Int, context: String)
        throws(ContainerError) -> [[UInt16]]
    {
        var decoded = [[UInt16]](repeating: [], count: 3)
        var errors: [[Int32]] = []
        for (k, plane) in InterPlanePrediction.order(colorTransform: header.colorTransform).enumerated() {
            guard let coder = residual[plane] as? ResidualPlaneCoder else {
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

    /// Decodes a tile's Tile_Data into pixels; `width`×`height` is the tile's size.
    public func decode(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> PixelBuffer
    {
        if !transformCoders.isEmpty { return try decodeTransform(data, width: width, height: height, context: context) }
        if !residual.isEmpty { return try decodeResidual(data, width: width, height: height, context: context) }
        let grid = PatchGrid(width: width, height: height, patchSize: header.patchSize)
        return reconstruct(try decodeMaps(data, grid: grid, context: context), grid: grid)
    }

    /// A tile decoded as far as the coding mode allows before its pixels are placed: index
    /// maps (mode `vq`, whose pixels are made straight into their destination) or pixels.
    public enum DecodedTile: Sendable {
        case maps([[UInt16]])
        case pixels(PixelBuffer)
    }

    /// Entropy-decodes a tile: index maps in mode `vq`, pixels in mode `residual`.
    public func decodeTile(_ data: ArraySlice<UInt8>, grid: PatchGrid, context: String) throws(ContainerError)
        -> DecodedTile
    {
        if !transformCoders.isEmpty {
            return .pixels(try decodeTransform(data, width: grid.width, height: grid.height, context: context))
        }
        if !residual.isEmpty {
            return .pixels(try decodeResidual(data, width: grid.width, height: grid.height, context: context))
        }
        return .maps(try decodeMaps(data, grid: grid, context: context))
    }

    /// Writes the pixels `columns`×`rows` of a decoded tile into `destination` (see the
    /// index-map `reconstruct` below for the layout).
    public func reconstruct(
        _ tile: DecodedTile, grid: PatchGrid, columns: Range<Int>, rows: Range<Int>,
        into destination: UnsafeMutableRawPointer, rowBytes: Int
    ) {
        switch tile {
        case .maps(let maps):
            reconstruct(maps, grid: grid, columns: columns, rows: rows, into: destination, rowBytes: rowBytes)
        case .pixels(let p):
            guard !columns.isEmpty, !rows.isEmpty else { return }
            let bpp = header.format.bytesPerPixel
            let n = columns.count * bpp
            p.bytes.withUnsafeBytes { src in
                guard let base = src.baseAddress else { return }
                for (i, y) in rows.enumerated() {
                    (destination + i * rowBytes).copyMemory(
                        from: base + (y * p.width + columns.lowerBound) * bpp, byteCount: n)
                }
            }
        }
    }

    /// Mode `residual`: every plane of the tile, then the colour transform undone.
    func decodeResidual(_ data: ArraySlice<UInt8>, width: Int, height: Int, context: String) throws(ContainerError)
        -> PixelBuffer
    {
        let streams = try TileStreams.decode(data, expected: header.planeCount, context: context)
        var out = PixelBuffer(width: width, height: height, format: header.format)
        if header.colorTransform == .ycocgR {
            var planes: [[UInt16]] = []
            if interPlane {
                planes = try decodeColourPlanes(streams, width: width, height: height, context: context)
            } else {
                for plane in 0..<3 {
                    guard let coder = residual[plane] as? ResidualPlaneCoder else { break }
                    planes.append(try coder.decode(streams[plane], width: width, height: height, context: context))
                }
            }
            YCoCgR.inverse(planes, into: &out)
            if header.planeCount == 4 {
                try residual[3].decode(streams[3], plane: 3, into: &out, context: context)
            }
            return out
        }
        if interPlane {
            let planes = try decodeColourPlanes(streams, width: width, height: height, context: context)
            for (plane, samples) in planes.enumerated() {
                ResidualPlaneCoder.store(samples, plane: plane, into: &out)
            }
            if header.planeCount == 4 {
                try residual[3].decode(streams[3], plane: 3, into: &out, context: context)
            }
            return out
        }
        for (plane, coder) in residual.enumerated() {
            try coder.decode(streams[plane], plane: plane, into: &out, context: context)
        }
        return out
    }

    /// Decodes a tile's Tile_Data into the index map of every plane (patches in
    /// raster order): the entropy-decoding half of `decode`, kept apart so that
    /// pixels can be made later, straight into their destination.
    public func decodeMaps(_ data: ArraySlice<UInt8>, grid: PatchGrid, context: String) throws(ContainerError)
        -> [[UInt16]]
    {
        let streams = try TileStreams.decode(data, expected: header.planeCount, context: context)
        var maps: [[UInt16]] = []
        maps.reserveCapacity(streams.count)
        for (plane, s) in streams.enumerated() {
            let g = planeGrid(grid, plane: plane)
            var map = [UInt16](repeating: 0, count: g.count)
            do {
                try map.withUnsafeMutableBufferPointer {
                    try coders[plane].decode(s, width: g.columns, height: g.rows, into: $0)
                }
            } catch {
                throw ContainerError.malformed(context, "index map does not decode (\(error))")
            }
            maps.append(map)
        }
        return maps
    }

    /// Pixels from index maps: a table look-up per patch.
    func reconstruct(_ maps: [[UInt16]], grid: PatchGrid) -> PixelBuffer {
        let rowBytes = grid.width * header.format.bytesPerPixel
        let bytes = [UInt8](unsafeUninitializedCapacity: rowBytes * grid.height) { buffer, count in
            if let base = buffer.baseAddress {
                reconstruct(
                    maps, grid: grid, columns: 0..<grid.width, rows: 0..<grid.height,
                    into: UnsafeMutableRawPointer(base), rowBytes: rowBytes)
            }
            count = rowBytes * grid.height
        }
        return PixelBuffer(width: grid.width, height: grid.height, format: header.format, bytes: bytes)
    }

    /// Writes the pixels `columns`×`rows` of a tile (tile coordinates) from its
    /// index maps into `destination`, which points at the pixel (columns.lowerBound,
    /// rows.lowerBound) of an image whose rows are `rowBytes` apart. Tiles decoded
    /// by several threads can so fill disjoint parts of one band or region.
    public func reconstruct(
        _ maps: [[UInt16]], grid: PatchGrid, columns: Range<Int>, rows: Range<Int>,
        into destination: UnsafeMutableRawPointer, rowBytes: Int
    ) {
        precondition(maps.count == header.planeCount, "one index map per plane")
        precondition(
            columns.lowerBound >= 0 && columns.upperBound <= grid.width && rows.lowerBound >= 0
                && rows.upperBound <= grid.height, "reconstruct outside the tile")
        guard !columns.isEmpty, !rows.isEmpty else { return }
        if header.colorTransform == .ycbcr420 {
            return reconstructSubsampled(
                maps, grid: grid, columns: columns, rows: rows, into: destination, rowBytes: rowBytes)
        }
        let channels = header.format.channels
        let wide = header.format.bytesPerSample == 2
        for (plane, map) in maps.enumerated() {
            precondition(map.count == grid.count, "index map size")
            map.withUnsafeBufferPointer { m in
                if wide {
                    sampleTables[plane].withUnsafeBufferPointer { t in
                        Self.reconstructWide(
                            map: m, table: t, grid: grid, columns: columns, rows: rows,
                            into: destination + 2 * plane, rowBytes: rowBytes, channels: channels)
                    }
                } else {
                    byteTables[plane].withUnsafeBufferPointer { t in
                        Self.reconstructBytes(
                            map: m, table: t, grid: grid, columns: columns, rows: rows,
                            into: destination + plane, rowBytes: rowBytes, channels: channels)
                    }
                }
            }
        }
        if header.colorTransform == .ycbcr {  // (4:2:0 returned above)
            YCbCr.inverse(
                destination, columns: columns.count, rows: rows.count, rowBytes: rowBytes, channels: channels)
        }
    }

    /// One byte per sample. Output row by output row: within a patch row the
    /// codeword's row of samples is copied whole (one 32-bit move for 4×4 patches).
    static func reconstructBytes(
        map: UnsafeBufferPointer<UInt16>, table: UnsafeBufferPointer<UInt8>, grid: PatchGrid, columns: Range<Int>,
        rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int, channels: Int
    ) {
        guard let mapBase = map.baseAddress, let tableBase = table.baseAddress else { return }
        let p = grid.size, d = p * p, cols = grid.columns
        // Indices are below K (the coder's promise); the clamp keeps a broken promise in bounds.
        let last = table.count / d - 1
        let x0 = columns.lowerBound, x1 = columns.upperBound
        for y in rows {
            let py = y / p
            let m = mapBase + py * cols
            let t = tableBase + (y - py * p) * p
            let out = (destination + (y - rows.lowerBound) * rowBytes).assumingMemoryBound(to: UInt8.self)
            if channels == 1 {
                var x = x0
                // A patch cut by the left edge of the range, sample by sample.
                while x < x1 && x % p != 0 {
                    out[x - x0] = t[min(Int(m[x / p]), last) * d + x % p]
                    x += 1
                }
                if p == 4 {
                    let whole = (x1 - x) >> 2
                    var index = m + (x >> 2)
                    var o = UnsafeMutableRawPointer(out + (x - x0))
                    let row = UnsafeRawPointer(t)
                    for _ in 0..<whole {
                        let word = (row + min(Int(index.pointee), last) &<< 4).loadUnaligned(as: UInt32.self)
                        o.storeBytes(of: word, as: UInt32.self)
                        o += 4
                        index += 1
                    }
                    x += whole << 2
                } else {
                    while x + p <= x1 {
                        let src = t + min(Int(m[x / p]), last) * d
                        let dst = out + (x - x0)
                        for i in 0..<p { dst[i] = src[i] }
                        x += p
                    }
                }
                while x < x1 {
                    out[x - x0] = t[min(Int(m[x / p]), last) * d + x % p]
                    x += 1
                }
            } else {
                // Interleaved channels: this plane's samples are `channels` bytes apart.
                var o = out
                var x = x0
                while x < x1 && x % p != 0 {
                    o[0] = t[min(Int(m[x / p]), last) * d + x % p]
                    o += channels
                    x += 1
                }
                var index = m + x / p
                let c = channels
                if p == 4 {
                    while x + 4 <= x1 {
                        let src = t + min(Int(index.pointee), last) &<< 4
                        o[0] = src[0]
                        o[c] = src[1]
                        o[2 * c] = src[2]
                        o[3 * c] = src[3]
                        o += 4 * c
                        index += 1
                        x += 4
                    }
                } else {
                    while x + p <= x1 {
                        let src = t + min(Int(index.pointee), last) * d
                        for i in 0..<p { o[i * c] = src[i] }
                        o += p * c
                        index += 1
                        x += p
                    }
                }
                while x < x1 {
                    o[0] = t[min(Int(m[x / p]), last) * d + x % p]
                    o += channels
                    x += 1
                }
            }
        }
    }

    /// Two bytes per sample (host order), sample by sample.
    static func reconstructWide(
        map: UnsafeBufferPointer<UInt16>, table: UnsafeBufferPointer<UInt16>, grid: PatchGrid, columns: Range<Int>,
        rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int, channels: Int
    ) {
        guard let mapBase = map.baseAddress, let tableBase = table.baseAddress else { return }
        let p = grid.size, d = p * p, cols = grid.columns
        let last = table.count / d - 1
        for y in rows {
            let py = y / p
            let m = mapBase + py * cols
            let t = tableBase + (y - py * p) * p
            var o = (destination + (y - rows.lowerBound) * rowBytes).assumingMemoryBound(to: UInt8.self)
            for x in columns {
                let v = t[min(Int(m[x / p]), last) * d + x % p]
                o[0] = UInt8(truncatingIfNeeded: v)
                o[1] = UInt8(truncatingIfNeeded: v >> 8)
                o += 2 * channels
            }
        }
    }

    /// Per-channel sum of squared differences and the largest absolute difference.
    static func compare(_ a: PixelBuffer, _ b: PixelBuffer) -> ([Double], Int) {
        let channels = a.format.channels
        var sse = [Double](repeating: 0, count: channels)
        var maxError = 0
        let n = a.width * a.height
        a.bytes.withUnsafeBufferPointer { pa in
            b.bytes.withUnsafeBufferPointer { pb in
                for c in 0..<channels {
                    var s: Int = 0
                    if a.format.bytesPerSample == 1 {
                        for i in 0..<n {
                            let d = Int(pa[i * channels + c]) - Int(pb[i * channels + c])
                            s += d * d
                            maxError = max(maxError, abs(d))
                        }
                        sse[c] = Double(s)
                    } else {
                        var sd = 0.0
                        for i in 0..<n {
                            let j = 2 * (i * channels + c)
                            let va = Int(pa[j]) | Int(pa[j + 1]) << 8
                            let vb = Int(pb[j]) | Int(pb[j + 1]) << 8
                            let d = va - vb
                            sd += Double(d * d)
                            maxError = max(maxError, abs(d))
                        }
                        sse[c] = sd
                    }
                }
            }
        }
        return (sse, maxError)
    }
}
