/// What the planes a codebook was trained on hold: the image's channels as they are, or the
/// Y, Cb, Cr planes of 8-bit RGB(A) images (then alpha). A `.tess` file's colour transform must
/// match the codebook's, so a collection codebook is recorded with the planes it was trained on
/// (docs/FORMAT.md, `.tcb` Flags).
public enum CodebookColorSpace: Sendable, Equatable {
    case channels
    case ycbcr

    /// `.tcb` Flags bit 0.
    static let ycbcrFlag: UInt32 = 1
    /// `.tcb` Flags bit 1 (with bit 0): chroma trained at half size (4:2:0), with its own
    /// codeword count at offset 28.
    static let chroma420Flag: UInt32 = 2
}
