import TesseraCodebook
import TesseraCoding

/// The header chunks of a file of mode `vq`, parsed and checked against IHDR: its codebook
/// (CBKP, packed, or CBOK, a `.tcb` as it is) and one entropy model per plane (EMOD).
public struct VQParameters: Sendable {
    /// Where the codebook came from.
    public enum Codebook: Sendable {
        /// CBKP: whole-number codewords, trained for this image.
        case packed(PackedCodebook)
        /// CBOK: a codebook file (`tessera train`), embedded byte for byte; `id` is the
        /// CRC-32C its `.tcb` stores (`tessera train` prints it), the same in every file made
        /// with it.
        case file(TesseraCodebook.Codebook, id: UInt32)
    }

    public var codebook: Codebook
    /// Per plane, its codewords (`patchSize²` values each, on the 0–255 scale).
    public var codewords: [[Float]]
    /// Per plane, the entropy model of its index maps.
    public var models: [IndexMapModel]
    /// The codebook chunk's payload size in bytes.
    public var codebookBytes: Int
    /// The CRC-32C that names the codebook: a CBOK's stored checksum, or of the CBKP payload.
    public var codebookID: UInt32

    /// Codewords of each plane (chroma planes of YCbCr have fewer than luma).
    public var codewordCounts: [Int] { models.map(\.alphabetSize) }
}
