import CTurboJPEG
import PNGBridge
import TesseraIO

#if canImport(Glibc)
import Glibc
#endif

/// Turns 8-bit pixels (grey, grey+alpha, RGB or RGBA) into a JPEG (libjpeg-turbo's TurboJPEG
/// API; alpha is dropped, colour is 4:2:0) or a PNG (libpng, in memory).
public struct ImageEncoder: Sendable {
    /// JPEG quality, 1…100.
    public var jpegQuality: Int
    /// zlib level for PNG, 0…9 (low: tiles are made on demand).
    public var pngCompression: Int

    public init(jpegQuality: Int = 85, pngCompression: Int = 3) {
        self.jpegQuality = jpegQuality
        self.pngCompression = pngCompression
    }

    public func encode(_ image: PixelBuffer, as format: IIIFFormat) throws(ServeError) -> [UInt8] {
        precondition(image.format.bitDepth == 8, "the encoder takes 8-bit pixels")
        switch format {
        case .jpg: return try jpeg(image)
        case .png: return try png(image)
        }
    }

    private func jpeg(_ image: PixelBuffer) throws(ServeError) -> [UInt8] {
        // JPEG has no alpha: drop it (grey+alpha → grey, RGBA → RGB).
        var pixels = image
        if image.format.colorModel.hasAlpha { pixels = Self.droppingAlpha(image) }
        let grey = pixels.format.channels == 1
        guard let handle = tjInitCompress() else { throw ServeError(500, "cannot start the JPEG encoder") }
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var length: UInt = 0
        let status = pixels.bytes.withUnsafeBufferPointer { p in
            tjCompress2(
                handle, p.baseAddress, Int32(pixels.width), 0, Int32(pixels.height),
                grey ? Int32(TJPF_GRAY.rawValue) : Int32(TJPF_RGB.rawValue), &out, &length,
                grey ? Int32(TJSAMP_GRAY.rawValue) : Int32(TJSAMP_420.rawValue), Int32(jpegQuality), 0)
        }
        defer { if let out { tjFree(out) } }
        guard status == 0, let out else {
            throw ServeError(500, "JPEG encoding failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    private func png(_ image: PixelBuffer) throws(ServeError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.bytes.withUnsafeBufferPointer { p in
            tessera_png_encode_memory(
                p.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.format.channels),
                Int32(pngCompression), &out, &length, &message, message.count)
        }
        defer { free(out) }
        guard status == 0, let out else {
            throw ServeError(500, "PNG encoding failed: \(String(cString: message))")
        }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }

    static func droppingAlpha(_ image: PixelBuffer) -> PixelBuffer {
        let c = image.format.channels
        let model: PixelFormat.ColorModel = c == 2 ? .grey : .rgb
        var out = PixelBuffer(width: image.width, height: image.height, format: PixelFormat(colorModel: model, bitDepth: 8))
        let k = c - 1
        image.bytes.withUnsafeBufferPointer { src in
            out.bytes.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(image.width * image.height) {
                    for j in 0..<k { dst[i * k + j] = src[i * c + j] }
                }
            }
        }
        return out
    }
}
