import TesseraCodebook

/// The nearest-codeword search of the VQ encoder, chosen per codebook size.
public enum CodewordSearch {
    /// The search each plane's codebook is quantised with: the flat SIMD kernel
    /// below K = 256, the partial-distance search from K = 256 (1.5x faster there,
    /// 4-9x from K = 1024, and nearer in near ties: bench/results/bench-train.txt). The decoder
    /// never searches, so this choice is the encoder's alone.
    public static func quantisers(_ codebook: Codebook, planes: Int) -> [any PatchQuantiser] {
        quantisers(codebook.planes.prefix(planes).map(\.codewords), dimensions: codebook.layout.dimensions)
    }

    public static func quantisers(_ packed: PackedCodebook) -> [any PatchQuantiser] {
        quantisers(packed.planes, dimensions: packed.patchSize * packed.patchSize)
    }

    public static func quantisers(_ planes: [[Float]], dimensions: Int) -> [any PatchQuantiser] {
        planes.map { codewords -> any PatchQuantiser in
            if codewords.count / dimensions >= 256 {
                return PartialDistanceQuantiser(
                    search: PartialDistanceSearch(codewords: codewords, dimensions: dimensions), codewords: codewords)
            }
            return NearestCodewordSearch(codewords: codewords, dimensions: dimensions)
        }
    }
}
