/// What the VQ codec needs from an entropy coder of index maps.
public protocol IndexMapCoding: Sendable {
    func encode(_ map: UnsafeBufferPointer<UInt16>, width: Int, height: Int) throws -> [UInt8]
    /// Decodes exactly width×height indices; throws on damaged input, and never
    /// yields an index ≥ the alphabet size.
    func decode(_ bytes: ArraySlice<UInt8>, width: Int, height: Int, into map: UnsafeMutableBufferPointer<UInt16>) throws
}
