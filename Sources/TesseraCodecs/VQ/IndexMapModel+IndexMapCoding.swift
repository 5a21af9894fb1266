import TesseraCoding

/// The index-map model of TesseraCoding codes the index maps of mode `vq`.
extension IndexMapModel: IndexMapCoding {
    public func encode(_ map: UnsafeBufferPointer<UInt16>, width: Int, height: Int) throws -> [UInt8] {
        try encode(map: map, width: width, height: height)
    }

    public func decode(
        _ bytes: ArraySlice<UInt8>, width: Int, height: Int, into map: UnsafeMutableBufferPointer<UInt16>
    ) throws {
        try bytes.withUnsafeBytes { try decode($0, width: width, height: height, into: map) }
    }
}
