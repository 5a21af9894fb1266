import TesseraCodebook
import TesseraFormat
import TesseraIO

/// Quantises every patch of a tile to the index of its nearest codeword (mode `vq`), plane by
/// plane: the half of `VQEncoder` that searches, used alone while an encoder is being trained
/// (`EntropyConstrainedAssignment`).
public struct TileQuantiser: Sendable {
    public let header: ImageHeader
    /// Codebook of each plane (the same one may serve several planes).
    public let quantisers: [any PatchQuantiser]
    /// Per plane, the nearest codeword of the flat patch of every sample value: blank paper and
    /// flat areas skip the search (the same kernel filled this table, so the result is
    /// identical). Empty for 16-bit images (65536 searches per plane would cost more).
    let flatIndex: [[UInt16]]
    /// Forms patch vectors exactly as training did (TesseraCodebook's one place for it).
    let extractor: PatchExtractor

    /// `quantisers`: one per plane, of the header's patch size (the caller's promise).
    public init(header: ImageHeader, quantisers: [any PatchQuantiser]) {
        precondition(quantisers.count == header.planeCount, "one codebook per plane")
        self.header = header
        self.quantisers = quantisers
        extractor = Self.extractor(for: header)
        let scale = VQDecoder.scale(for: header.format)
        // 16-bit would need 65536 searches per plane at every open: no table there.
        let levels = header.format.bitDepth <= 8 ? header.format.maxValue + 1 : 0
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

    /// Multiplier from a stored sample to the codebooks' 0–255 scale.
    var scale: Float { VQDecoder.scale(for: header.format) }

    static func extractor(for header: ImageHeader) -> PatchExtractor {
        // IHDR's checks (patch 2…16, 1…4 planes) are stricter than the layout's.
        guard
            let layout = try? PatchLayout(
                patchSize: header.patchSize, channelCount: header.planeCount, planeLayout: .perPlane),
            let extractor = try? PatchExtractor(layout: layout, format: header.format)
        else { preconditionFailure("a validated header always has a patch layout") }
        return extractor
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

    /// The index maps of a full-resolution Y, Cb, Cr (alpha) tile, chroma halved first.
    func quantiseSubsampled(_ tile: PixelBuffer) -> [[UInt16]] {
        guard
            let layout = try? PatchLayout(patchSize: header.patchSize, channelCount: 1, planeLayout: .perPlane),
            let extractor = try? PatchExtractor(layout: layout, format: PixelFormat(colorModel: .grey, bitDepth: 8))
        else { preconditionFailure("a validated header always has a patch layout") }
        return (0..<header.planeCount).map { plane in
            let buffer = ChromaSubsampling.planeBuffer(tile, channel: plane, halve: plane == 1 || plane == 2)
            let grid = PatchGrid(width: buffer.width, height: buffer.height, patchSize: header.patchSize)
            let d = grid.dimension
            var patches = [Float](repeating: 0, count: grid.count * d)
            patches.withUnsafeMutableBufferPointer { out in
                buffer.bytes.withUnsafeBytes { rows in
                    guard let base = out.baseAddress else { return }
                    for i in 0..<grid.count {
                        extractor.extract(
                            rows: rows, width: buffer.width, rowCount: buffer.height, x: (i % grid.columns) * grid.size,
                            row0: (i / grid.columns) * grid.size, into: base + i * d, vectorStride: d)
                    }
                }
            }
            return patches.withUnsafeBufferPointer { search($0, count: grid.count, plane: plane) }
        }
    }
}
