import TesseraIO

/// A tile decoded as far as its coding mode goes before pixels are placed: index maps in mode
/// `vq` (whose pixels are made straight into their destination, so a region never copies
/// them twice), pixels in the other modes (`PixelBuffer` is one).
public protocol DecodedTile: Sendable {
    var width: Int { get }
    var height: Int { get }
    /// The pixel format of the pixels it makes (the file's).
    var format: PixelFormat { get }

    /// Writes the pixels `columns`×`rows` (tile coordinates, within the tile) into
    /// `destination`, which points at the pixel (columns.lowerBound, rows.lowerBound) of an
    /// image whose rows are `rowBytes` apart. Tiles decoded by several threads can so fill
    /// disjoint parts of one band or region.
    func write(columns: Range<Int>, rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int)
}

extension DecodedTile {
    /// The whole tile as pixels.
    public func pixels() -> PixelBuffer {
        if let buffer = self as? PixelBuffer { return buffer }
        let rowBytes = width * format.bytesPerPixel
        let bytes = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, count in
            if let base = buffer.baseAddress {
                write(columns: 0..<width, rows: 0..<height, into: UnsafeMutableRawPointer(base), rowBytes: rowBytes)
            }
            count = rowBytes * height
        }
        return PixelBuffer(width: width, height: height, format: format, bytes: bytes)
    }
}

extension PixelBuffer: DecodedTile {
    public func write(columns: Range<Int>, rows: Range<Int>, into destination: UnsafeMutableRawPointer, rowBytes: Int) {
        precondition(
            columns.lowerBound >= 0 && columns.upperBound <= width && rows.lowerBound >= 0 && rows.upperBound <= height,
            "write outside the tile")
        guard !columns.isEmpty, !rows.isEmpty else { return }
        let bpp = format.bytesPerPixel
        let n = columns.count * bpp
        bytes.withUnsafeBytes { src in
            guard let base = src.baseAddress else { return }
            for (i, y) in rows.enumerated() {
                (destination + i * rowBytes).copyMemory(from: base + (y * width + columns.lowerBound) * bpp, byteCount: n)
            }
        }
    }
}
