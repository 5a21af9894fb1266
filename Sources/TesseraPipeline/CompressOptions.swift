import TesseraCodecs
import TesseraIO

/// Everything `Compressor` can be told. Defaults suit scanned documents: VQ with K = 256
/// codewords of 4×4 patches in 256×256 tiles.
///
/// ```swift
/// var options = CompressOptions()
/// options.mode = try .residual(maxError: 2)            // or .transform(step: 6), .vq(VQOptions(codewords: 1024))
/// ```
public struct CompressOptions: Sendable, Equatable {
    /// The coding mode and its parameters, each checked when the value is made.
    public var mode: CodingMode = .vq(VQOptions())
    /// Tile width and height in pixels: a multiple of 16 (and of the patch size) from 16 to 8192.
    public var tileSize: Int = 256
    /// Lossy coding (vector quantisation or transform) of 8-bit RGB(A): as Y, Cb, Cr with
    /// half-size chroma (the default), Y, Cb, Cr at full size, or R, G, B. A given codebook
    /// (`VQOptions.codebookPath`) decides by itself (it was trained for one of them).
    public var color: LossyColor = .ycbcr420
    /// Seed of every random choice (sampling, training): the same seed gives the same file.
    public var seed: UInt64 = 1
    /// Worker threads; 0 means every core. The file does not depend on it.
    public var threads: Int = 0
    /// Pixels the sampling pass reads at most (give or take a band): a larger image is sampled
    /// from an even spread of its bands of tile height.
    public var samplingPixels: Int = 256_000_000
    /// Whole tiles kept from the sampling pass to train the entropy models.
    public var modelTiles: Int = 48
    /// How the input is read (TIFF page, limits).
    public var readOptions = ReadOptions()
    /// Store the resolution levels that views at a reduced size are read from (docs/FORMAT.md,
    /// "Resolution levels"); without them such views are made from full resolution.
    public var levels = true
    /// nil: the output replaces a file of its name. Else the output never replaces a file: it
    /// takes the first free name of the output path and these (the watch folder gives
    /// `a.tif.tess` after `a.tess`), and fails when none is free.
    public var alternativeOutputs: [String]? = nil

    public init() {}

    /// The parameters of mode `vq`, when that is the mode.
    public var vq: VQOptions? {
        if case .vq(let v) = mode { return v }
        return nil
    }

    /// The patch (mode `vq`) or block (mode `transform`) side the tiles are cut into.
    public var patchSize: Int {
        switch mode {
        case .vq(let v): v.patchSize
        case .residual: 4
        case .transform: 8
        }
    }

    /// The tile size, checked against the mode's patch size (done once per compression).
    func checkedTileSize() throws(CompressOptionsError) -> Int {
        guard (16...8192).contains(tileSize), tileSize % 16 == 0, tileSize % patchSize == 0 else {
            throw .tileSize(tileSize, patchSize: patchSize)
        }
        return tileSize
    }
}
