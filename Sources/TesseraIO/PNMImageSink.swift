#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binary Netpbm output: P4 for 1-bit grey, P5 for grey, P6 for RGB, P7 (PAM)
/// for images with alpha. 16-bit samples are written big-endian, as Netpbm requires.
public final class PNMImageSink: ImageSink {
    public let path: String
    public let info: ImageInfo
    private let output: AtomicOutput
    private var file: UnsafeMutablePointer<FILE>?
    private var rowsWritten = 0

    public init(path: String, info: ImageInfo) throws {
        self.path = path
        self.info = info
        output = AtomicOutput(finalPath: path)
        guard let f = fopen(output.temporaryPath, "wb") else {
            throw ImageIOError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        file = f
        let fmt = info.format
        let header: String
        switch fmt.colorModel {
        case .grey where fmt.bitDepth == 1:
            header = "P4\n\(info.width) \(info.height)\n"
        case .grey:
            header = "P5\n\(info.width) \(info.height)\n\(fmt.maxValue)\n"
        case .rgb:
            header = "P6\n\(info.width) \(info.height)\n\(fmt.maxValue)\n"
        case .greyAlpha, .rgba:
            let tuple = fmt.colorModel == .rgba ? "RGB_ALPHA" : "GRAYSCALE_ALPHA"
            header =
                "P7\nWIDTH \(info.width)\nHEIGHT \(info.height)\nDEPTH \(fmt.channels)\nMAXVAL \(fmt.maxValue)\nTUPLTYPE \(tuple)\nENDHDR\n"
        }
        try put(Array(header.utf8))
    }

    private func put(_ bytes: [UInt8]) throws {
        guard let f = file else { throw ImageIOError.writeFailed(path: path, reason: "sink is closed") }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
        guard n == bytes.count else {
            let reason = String(cString: strerror(errno))
            abort()
            throw ImageIOError.writeFailed(path: path, reason: reason)
        }
    }

    public func write(_ band: PixelBuffer) throws {
        guard band.width == info.width, band.format == info.format else {
            throw ImageIOError.invalidRequest(path: path, detail: "band does not match the image's width or format")
        }
        guard rowsWritten + band.height <= info.height else {
            throw ImageIOError.invalidRequest(path: path, detail: "more rows written than the image has")
        }
        let fmt = info.format
        if fmt.bitDepth == 1 && fmt.colorModel == .grey {
            let rowOut = (info.width + 7) / 8
            var out = [UInt8](repeating: 0, count: rowOut * band.height)
            for y in 0..<band.height {
                for x in 0..<info.width where band.bytes[y * info.width + x] == 0 {
                    out[y * rowOut + x >> 3] |= 0x80 >> UInt8(x & 7)  // P4: 1 is black
                }
            }
            try put(out)
        } else if fmt.bytesPerSample == 2 {
            var out = band.bytes
            for i in stride(from: 0, to: out.count, by: 2) { out.swapAt(i, i + 1) }
            try put(out)
        } else {
            try put(band.bytes)  // 8-bit samples are written as they are: no copy
        }
        rowsWritten += band.height
    }

    public func finish() throws {
        guard let f = file else { throw ImageIOError.writeFailed(path: path, reason: "sink is closed") }
        guard rowsWritten == info.height else {
            abort()
            throw ImageIOError.writeFailed(
                path: path, reason: "only \(rowsWritten) of \(info.height) rows were written")
        }
        file = nil
        guard fclose(f) == 0 else {
            let reason = String(cString: strerror(errno))
            output.discard()
            throw ImageIOError.writeFailed(path: path, reason: reason)
        }
        try output.commit()
    }

    public func abort() {
        if let f = file { fclose(f) }
        file = nil
        output.discard()
    }

    deinit { abort() }
}
