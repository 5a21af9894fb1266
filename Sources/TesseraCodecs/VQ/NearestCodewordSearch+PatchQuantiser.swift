import TesseraCodebook

/// The nearest-codeword kernel of TesseraCodebook serves the VQ encoder.
extension NearestCodewordSearch: PatchQuantiser {
    public var dimension: Int { dimensions }

    public func nearest(
        _ patches: UnsafeBufferPointer<Float>, count: Int, into indices: UnsafeMutableBufferPointer<UInt16>
    ) {
        assign(patches: patches, count: count, into: indices)
    }

    public func biased(by bias: [Float]) -> any PatchQuantiser {
        let search: NearestCodewordSearch = biased(by: bias)
        return search
    }
}
