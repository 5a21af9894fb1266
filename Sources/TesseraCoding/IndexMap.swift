/// A 2-D array of codeword indices (one plane of one tile, or any rectangle), row-major.
///
/// Used as training input for `IndexMapModel`; the coder itself works on borrowed buffers.
public struct IndexMap: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var indices: [UInt16]

    public init(width: Int, height: Int, indices: [UInt16]) {
        precondition(width >= 1 && height >= 1 && indices.count == width * height,
                     "an index map needs width × height indices")
        self.width = width
        self.height = height
        self.indices = indices
    }
}
