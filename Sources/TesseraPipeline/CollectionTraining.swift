import TesseraCodebook
import TesseraCodecs
import TesseraIO

/// A codebook for a whole collection (`tessera train`): patches sampled evenly over every
/// image in one streaming pass (each contributing in proportion to its size), then K codewords
/// per plane trained with K-means or a self-organising map.
///
/// 8-bit colour collections train the planes compress will quantise: Y, Cb, Cr (unless
/// `color` is `.rgb`), and with `.ycbcr420` and K-means the chroma codebooks learn from the
/// half-size chroma planes with K/8 codewords, as compress codes 8-bit colour by default.
///
/// ```swift
/// let sampled = try CollectionTraining.sample(paths: pages, options: sampling, color: .ycbcr420)
/// let result = try CollectionTraining.train(sampled, method: .kmeans(parameters))
/// try CodebookFile.write(result.codebook, to: "pages.tcb")
/// ```
public enum CollectionTraining {
    /// The patches drawn from a collection.
    public struct Sample: Sendable {
        /// Patches of every plane (Y, Cb, Cr when `ycbcr`).
        public var patches: PatchSample
        /// 4:2:0: the half-size chroma planes' patches, which the chroma codebooks learn from.
        public var chroma: PatchSample?
        /// Whether the planes are Y, Cb, Cr.
        public var ycbcr: Bool

        public init(patches: PatchSample, chroma: PatchSample? = nil, ycbcr: Bool = false) {
            self.patches = patches
            self.chroma = chroma
            self.ycbcr = ycbcr
        }
    }

    /// A trained codebook and, per plane, its training record (distortion per iteration).
    public struct Result: Sendable {
        public var codebook: Codebook
        public var planes: [PlaneTraining]
    }

    /// Codewords of each chroma plane of a 4:2:0 codebook whose luma has `k`.
    public static func chromaCodewords(_ k: Int) -> Int { PlaneByPlaneTraining.chromaCodewords(k) }

    /// Samples `paths`; `kmeans` says whether 4:2:0 chroma will be trained (SOM trains every
    /// plane on the full-size sample).
    public static func sample(
        paths: [String], options: SamplingOptions, color: LossyColor, kmeans: Bool,
        progress: ((PatchSampler.Progress) -> Void)? = nil
    ) throws -> Sample {
        let allColor = try paths.allSatisfy { YCbCrSource.applies(to: try ImageReader.open($0).info.format) }
        let ycbcr = color != .rgb && options.planeLayout == .perPlane && allColor
        let open = { (path: String) throws -> any ImageSource in
            let source = try ImageReader.open(path)
            return ycbcr ? YCbCrSource(source) : source
        }
        let patches = try PatchSampler.sample(paths: paths, options: options, progress: progress, open: open)
        let chroma =
            ycbcr && color == .ycbcr420 && kmeans
            ? try PatchSampler.sample(paths: paths, options: options, open: { ChromaHalfSource(try open($0)) }) : nil
        return Sample(patches: patches, chroma: chroma, ycbcr: ycbcr)
    }

    /// Trains `sample` with `method`; `progress` gets (plane, iteration, distortion per vector).
    public static func train(
        _ sample: Sample, method: TrainingMethod, progress: ((Int, Int, Double) -> Void)? = nil
    ) throws -> Result {
        var result: Result
        if let chroma = sample.chroma, case .kmeans(let parameters) = method {
            // Plane by plane: luma (and alpha) from the full-size sample, chroma from the half-size one.
            let k = parameters.codewordCount
            let counts = PlaneByPlaneTraining.codewordCounts(
                k, planes: sample.patches.layout.codebookCount, ycbcr: true)
            let trained = try PlaneByPlaneTraining.train(
                sample: sample.patches, chroma: chroma, counts: counts,
                method: { n in
                    var p = parameters
                    p.codewordCount = n
                    return .kmeans(p)
                }, progress: progress)
            let codebook = Codebook(
                layout: sample.patches.layout, codewordCount: k, algorithm: method.algorithm,
                sampleCount: sample.patches.count, seed: method.seed, planes: trained.map(\.codebook.planes[0]),
                chroma420Codewords: chromaCodewords(k))
            result = Result(codebook: codebook, planes: trained.map(\.planes[0]))
        } else {
            let trained = try CodebookTrainer.train(sample: sample.patches, method: method, progress: progress)
            result = Result(codebook: trained.codebook, planes: trained.planes)
        }
        result.codebook.colorSpace = sample.ycbcr ? .ycbcr : .channels
        return result
    }
}
