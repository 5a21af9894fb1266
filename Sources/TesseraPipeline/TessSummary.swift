import TesseraCodecs
import TesseraFormat
import TesseraIO

/// What `tessera info` prints about a .tess file, from its footer, header chunks and seek
/// index alone (no tile is read).
public struct TessSummary: Sendable {
    public let header: ImageHeader
    public let metadata: ImageMetadata
    /// How the tiles are coded: the mode's parameters, codebook and models.
    public let coding: CodingParameters
    public let fileBytes: Int
    /// Bytes of all TILE chunks.
    public let tileBytes: Int

    public var pixels: Int { header.width * header.height }
    /// Bytes of the image as raw samples.
    public var rawBytes: Int { pixels * header.format.bytesPerPixel }
    public var bitsPerPixel: Double { Double(fileBytes * 8) / Double(pixels) }
    /// Raw size over file size.
    public var ratio: Double { Double(rawBytes) / Double(max(fileBytes, 1)) }

    /// Mode `vq`: the codebook's chunk, codewords and name.
    public var vq: VQParameters? {
        if case .vq(let p) = coding { return p }
        return nil
    }

    /// Mode `residual`: RPAR.
    public var residual: ResidualParameters? {
        if case .residual(let p) = coding { return p }
        return nil
    }

    /// Mode `transform`: TPAR.
    public var transform: TransformParameters? {
        if case .transform(let p) = coding { return p }
        return nil
    }

    /// Whether the codebook is packed (CBKP, trained for this image) rather than a `.tcb` as it is.
    public var codebookIsPacked: Bool {
        if case .packed = vq?.codebook { return true }
        return false
    }

    /// Values per codeword (patch side squared), 0 without a codebook.
    public var codewordDimension: Int { vq == nil ? 0 : header.patchSize * header.patchSize }
}

extension TessImage {
    /// The file described without reading a tile.
    public var summary: TessSummary {
        TessSummary(
            header: header, metadata: reader.metadata, coding: coding, fileBytes: Int(reader.source.size),
            tileBytes: reader.index.entries.reduce(0) { $0 + Int($1.length) })
    }
}
