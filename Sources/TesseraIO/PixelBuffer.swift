/// A rectangle of decoded pixels: rows top to bottom, channels interleaved.
///
/// 8-bit and sub-byte samples take one byte each; 16-bit samples take two bytes
/// in host byte order. Rows are packed (`rowBytes == width * bytesPerPixel`).
public struct PixelBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let format: PixelFormat
    public var bytes: [UInt8]

    public init(width: Int, height: Int, format: PixelFormat) {
        precondition(width >= 0 && height >= 0)
        self.width = width
        self.height = height
        self.format = format
        self.bytes = [UInt8](repeating: 0, count: width * height * format.bytesPerPixel)
    }

    public init(width: Int, height: Int, format: PixelFormat, bytes: [UInt8]) {
        precondition(bytes.count == width * height * format.bytesPerPixel, "buffer size")
        self.width = width
        self.height = height
        self.format = format
        self.bytes = bytes
    }

    public var rowBytes: Int { width * format.bytesPerPixel }

    /// Sample value at (x, y) in channel `c`, whatever the depth.
    @inlinable
    public func sample(x: Int, y: Int, channel c: Int) -> Int {
        let i = (y * width + x) * format.channels + c
        if format.bytesPerSample == 1 { return Int(bytes[i]) }
        return Int(UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8)
    }

    @inlinable
    public mutating func setSample(x: Int, y: Int, channel c: Int, _ v: Int) {
        let i = (y * width + x) * format.channels + c
        if format.bytesPerSample == 1 {
            bytes[i] = UInt8(truncatingIfNeeded: v)
        } else {
            bytes[2 * i] = UInt8(truncatingIfNeeded: v)
            bytes[2 * i + 1] = UInt8(truncatingIfNeeded: v >> 8)
        }
    }

    /// Copies the rectangle (x, y, w, h) of this buffer into a new buffer.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> PixelBuffer {
        precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height, "crop outside buffer")
        let bpp = format.bytesPerPixel
        let n = w * bpp
        // Every byte is copied into place: no zero-filling first.
        let copied = [UInt8](unsafeUninitializedCapacity: n * h) { dst, made in
            bytes.withUnsafeBytes { src in
                if let to = dst.baseAddress, let from = src.baseAddress {
                    for row in 0..<h {
                        UnsafeMutableRawPointer(to + row * n).copyMemory(
                            from: from + ((y + row) * width + x) * bpp, byteCount: n)
                    }
                }
            }
            made = n * h
        }
        return PixelBuffer(width: w, height: h, format: format, bytes: copied)
    }

    /// Copies `other` into this buffer with its top-left corner at (x, y).
    public mutating func paste(_ other: PixelBuffer, x: Int, y: Int) {
        precondition(other.format == format, "format mismatch")
        precondition(x >= 0 && y >= 0 && x + other.width <= width && y + other.height <= height)
        let bpp = format.bytesPerPixel
        let w = width
        let n = other.width * bpp
        bytes.withUnsafeMutableBytes { dst in
            other.bytes.withUnsafeBytes { src in
                guard let to = dst.baseAddress, let from = src.baseAddress else { return }
                for row in 0..<other.height {
                    (to + ((y + row) * w + x) * bpp).copyMemory(from: from + row * n, byteCount: n)
                }
            }
        }
    }
}
