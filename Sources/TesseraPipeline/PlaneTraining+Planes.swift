import TesseraCodebook

/// Codebooks trained plane by plane, each with its own size: what both a codebook trained for
/// one image (`Compressor`) and a collection codebook (`CollectionTraining`) do for YCbCr, whose
/// chroma planes need fewer codewords than luma, and for 4:2:0, whose chroma planes learn from
/// the half-size chroma.
enum PlaneByPlaneTraining {
    /// Codewords of each chroma plane of YCbCr for luma's `k`: k/8, at least 16 (at most k).
    /// Measured on kodim01/kodim23 at K = 256: each chroma plane cost as many bits as luma for
    /// 46–51 dB where luma reached 26–33 dB; at K/8 the file is about a third smaller for a few
    /// tenths of a dB. With 4:2:0, K/2 and K/4 were also tried (4 images at K = 256 and 1024):
    /// K/4 paid on kodim23 only; K/8 stays for both.
    static func chromaCodewords(_ k: Int) -> Int { min(k, max(16, k / 8)) }

    /// Codewords per plane: `k` for every plane, except the chroma planes of YCbCr.
    static func codewordCounts(_ k: Int, planes: Int, ycbcr: Bool) -> [Int] {
        (0..<planes).map { plane in ycbcr && (plane == 1 || plane == 2) ? chromaCodewords(k) : k }
    }

    /// Trains plane `p` of `sample` (of `chroma` for the chroma planes 1 and 2, when given)
    /// with `method(counts[p])`; `progress` gets (plane, iteration, distortion).
    static func train(
        sample: PatchSample, chroma: PatchSample?, counts: [Int], method: (Int) -> TrainingMethod,
        progress: ((Int, Int, Double) -> Void)?
    ) throws -> [CodebookTrainer.Result] {
        try (0..<sample.layout.codebookCount).map { plane in
            let source = chroma.flatMap { plane == 1 || plane == 2 ? $0 : nil } ?? sample
            let single = try PatchSample(
                layout: PatchLayout(patchSize: sample.layout.patchSize, channelCount: 1, planeLayout: .perPlane),
                count: source.count, values: Array(source.plane(plane)))
            return try CodebookTrainer.train(sample: single, method: method(counts[plane])) {
                progress?(plane, $1, $2)
            }
        }
    }
}
