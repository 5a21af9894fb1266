#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binary Netpbm input: P4 (bitmap), P5 (grey), P6 (RGB) and P7 (PAM, with alpha).
///
/// Maximum values 1, 3, 15, 255 and 65535 map to depths 1, 2, 4, 8 and 16;
/// 16-bit samples are big-endian in the file. P4 and PAM BLACKANDWHITE store
/// 1 for black; they are turned into min-is-black (0 = black) like every source.
public final class PNMImageSource: RegionReadableSource {
    public let path: String
    public let info: ImageInfo
    public let fileDescription: FileDescription
    public private(set) var nextRow = 0

    private let file: UnsafeMutablePointer<FILE>
    private let packedBits: Bool  // P4
    private let fileRowBytes: Int
    /// Where the pixel data starts in the file (just after the header).
    private var dataOffset: off_t = 0

    public init(path: String, options: ReadOptions = .init()) throws {
        guard let f = fopen(path, "rb") else {
            throw ImageIOError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.file = f
        do {
            let header = try PNMHeaderParser(file: f, path: path).parse()
            let depth: Int
            switch header.maxValue {
            case 1: depth = 1
            case 3: depth = 2
            case 15: depth = 4
            case 255: depth = 8
            case 65535: depth = 16
            default:
                throw ImageIOError.unsupported(
                    path: path, what: "PNM maximum value \(header.maxValue) (1, 3, 15, 255 or 65535 are read)")
            }
            guard let model = PixelFormat.ColorModel(channels: header.channels) else {
                throw ImageIOError.unsupported(path: path, what: "PAM with \(header.channels) channels")
            }
            let format = PixelFormat(colorModel: model, bitDepth: depth)
            packedBits = header.magic == "P4"
            fileRowBytes =
                packedBits ? (header.width + 7) / 8 : header.width * header.channels * (depth > 8 ? 2 : 1)
            let (band, overflow) = fileRowBytes.multipliedReportingOverflow(by: 1)
            if overflow || band > options.maxBufferBytes {
                throw ImageIOError.tooLarge(path: path, detail: "one row needs \(fileRowBytes) bytes")
            }
            // (Before the last stored property is set: a throw after that would run deinit, which
            // closes the file a second time.)
            let start = ftello(f)
            // The storage check: the rows are uncompressed, so a file that declares far more than
            // it holds (over 64 MiB more: a few bytes declaring a gigapixel) is refused here,
            // before anything is allocated for it. A merely truncated file still opens, and gives
            // the rows it has.
            var st = stat()
            let (need, big) = fileRowBytes.multipliedReportingOverflow(by: header.height)
            if fstat(fileno(f), &st) == 0, big || Int64(need) - (Int64(st.st_size) - Int64(start)) > 64 << 20 {
                throw ImageIOError.malformed(
                    path: path,
                    detail: "pixel data ends early: \(header.width)x\(header.height) needs \(big ? "more than 2^63" : "\(need)") bytes, the file holds \(max(0, Int64(st.st_size) - Int64(start)))")
            }
            info = ImageInfo(width: header.width, height: header.height, format: format)
            fileDescription = FileDescription(
                container: "PNM", layout: "rows", compression: "none",
                photometric: header.tupleType, bitsPerSample: depth, samplesPerPixel: header.channels)
            blackIsOne = header.magic == "P4" || header.tupleType == "BLACKANDWHITE"
            dataOffset = ftello(f)
        } catch {
            fclose(f)
            throw error
        }
    }

    private var blackIsOne = false

    deinit { fclose(file) }

    public func skipRows(_ count: Int) throws {
        let rows = min(max(count, 0), info.height - nextRow)
        guard rows > 0 else { return }
        guard fseeko(file, off_t(rows) * off_t(fileRowBytes), SEEK_CUR) == 0 else {
            throw ImageIOError.malformed(path: path, detail: "cannot skip to row \(nextRow + rows)")
        }
        nextRow += rows
    }

    public var readsRegions: Bool { !packedBits && dataOffset >= 0 }

    public func readRegion(x: Int, y: Int, width: Int, height: Int) throws -> PixelBuffer {
        guard readsRegions else {
            throw ImageIOError.invalidRequest(path: path, detail: "a PNM bitmap is read in bands, not regions")
        }
        guard x >= 0, y >= 0, width > 0, height > 0, x + width <= info.width, y + height <= info.height else {
            throw ImageIOError.invalidRequest(
                path: path, detail: "region \(x),\(y),\(width),\(height) is outside the image")
        }
        let bpp = info.format.bytesPerPixel  // the file's bytes per pixel too (one or two per sample)
        let rowBytes = width * bpp
        let fd = fileno(file)
        var failedRow = -1
        // Row by row straight into the buffer; on a short read nothing is handed out.
        var bytes = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, made in
            made = rowBytes * height
            guard let base = buffer.baseAddress else { return }
            for r in 0..<height {
                var done = 0
                let at = dataOffset + off_t(y + r) * off_t(fileRowBytes) + off_t(x * bpp)
                while done < rowBytes {
                    let n = pread(fd, base + r * rowBytes + done, rowBytes - done, at + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    done += n
                }
                if done < rowBytes {
                    failedRow = y + r
                    // Defined contents for the bytes not read (the buffer is dropped below).
                    (base + r * rowBytes).initialize(repeating: 0, count: (height - r) * rowBytes)
                    return
                }
            }
        }
        guard failedRow < 0 else {
            throw ImageIOError.malformed(
                path: path, detail: "pixel data ends early, at row \(failedRow) of \(info.height)")
        }
        if info.format.bytesPerSample == 2 {
            bytes.withUnsafeMutableBytes { b in
                for i in stride(from: 0, to: b.count - 1, by: 2) { b.swapAt(i, i + 1) }  // big-endian file → host
            }
        } else if blackIsOne {
            for i in bytes.indices { bytes[i] ^= 1 }
        }
        return PixelBuffer(width: width, height: height, format: info.format, bytes: bytes)
    }

    public func readBand(maxRows: Int) throws -> PixelBuffer? {
        guard nextRow < info.height else { return nil }
        let rows = min(max(maxRows, 1), info.height - nextRow)
        if !packedBits && !blackIsOne && info.format.bytesPerSample == 1 {
            // The file's rows are the band's rows: one read straight into the band.
            let count = rows * fileRowBytes
            var got = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, made in
                got = fread(buffer.baseAddress, 1, count, file)
                if got < count, let base = buffer.baseAddress { (base + got).initialize(repeating: 0, count: count - got) }
                made = count
            }
            guard got == count else {
                throw ImageIOError.malformed(
                    path: path, detail: "pixel data ends early, at row \(nextRow + got / fileRowBytes) of \(info.height)")
            }
            nextRow += rows
            return PixelBuffer(width: info.width, height: rows, format: info.format, bytes: bytes)
        }
        var band = PixelBuffer(width: info.width, height: rows, format: info.format)
        var raw = [UInt8](repeating: 0, count: fileRowBytes)
        let outRow = band.rowBytes
        for r in 0..<rows {
            let got = raw.withUnsafeMutableBytes { fread($0.baseAddress, 1, fileRowBytes, file) }
            guard got == fileRowBytes else {
                throw ImageIOError.malformed(
                    path: path, detail: "pixel data ends early, at row \(nextRow + r) of \(info.height)")
            }
            band.bytes.withUnsafeMutableBufferPointer { dst in
                let base = r * outRow
                if packedBits {
                    for x in 0..<info.width {
                        let bit = (raw[x >> 3] >> (7 - UInt8(x & 7))) & 1
                        dst[base + x] = bit ^ 1
                    }
                } else if info.format.bytesPerSample == 2 {
                    for i in stride(from: 0, to: fileRowBytes, by: 2) {
                        dst[base + i] = raw[i + 1]  // big-endian file → host (little-endian)
                        dst[base + i + 1] = raw[i]
                    }
                } else if blackIsOne {
                    for i in 0..<fileRowBytes { dst[base + i] = raw[i] ^ 1 }
                } else {
                    for i in 0..<fileRowBytes { dst[base + i] = raw[i] }
                }
            }
        }
        nextRow += rows
        return band
    }
}

/// Reads a Netpbm header (P4/P5/P6 tokens with comments, or a P7 PAM header).
struct PNMHeaderParser {
    struct Header {
        var magic: String
        var width: Int
        var height: Int
        var channels: Int
        var maxValue: Int
        var tupleType: String
    }

    let file: UnsafeMutablePointer<FILE>
    let path: String

    func parse() throws -> Header {
        let m0 = fgetc(file), m1 = fgetc(file)
        guard m0 == Int32(UInt8(ascii: "P")), (52...55).contains(m1) else {
            throw ImageIOError.unknownFormat(path: path)
        }
        let magic = "P" + String(UnicodeScalar(UInt8(m1)))
        if magic == "P7" { return try parsePAM() }
        let width = try number("width")
        let height = try number("height")
        let maxValue = magic == "P4" ? 1 : try number("maximum value")
        // Exactly one whitespace byte separates the header from the pixels.
        let sep = fgetc(file)
        guard sep == 32 || sep == 10 || sep == 13 || sep == 9 else {
            throw ImageIOError.malformed(path: path, detail: "no whitespace after the PNM header")
        }
        try check(width: width, height: height, maxValue: maxValue)
        let channels = magic == "P6" ? 3 : 1
        let tuple = magic == "P6" ? "RGB" : (magic == "P4" ? "BLACKANDWHITE" : "GRAYSCALE")
        return Header(
            magic: magic, width: width, height: height, channels: channels, maxValue: maxValue,
            tupleType: tuple)
    }

    private func check(width: Int, height: Int, maxValue: Int) throws {
        guard width > 0, height > 0, width <= 1 << 24, height <= 1 << 24 else {
            throw ImageIOError.malformed(path: path, detail: "image size \(width)x\(height) is out of range")
        }
        guard maxValue > 0, maxValue <= 65535 else {
            throw ImageIOError.malformed(path: path, detail: "maximum value \(maxValue) is out of range")
        }
    }

    /// Next decimal number, skipping whitespace and `#` comments.
    private func number(_ what: String) throws -> Int {
        var c = fgetc(file)
        while true {
            if c == Int32(UInt8(ascii: "#")) {
                while c != 10 && c != EOF { c = fgetc(file) }
            } else if c == 32 || c == 9 || c == 10 || c == 13 {
                c = fgetc(file)
            } else {
                break
            }
        }
        var value = 0
        var digits = 0
        while c >= 48 && c <= 57 {
            value = value * 10 + Int(c - 48)
            digits += 1
            guard digits <= 9 else {
                throw ImageIOError.malformed(path: path, detail: "PNM \(what) has too many digits")
            }
            c = fgetc(file)
        }
        guard digits > 0 else {
            throw ImageIOError.malformed(path: path, detail: "PNM header: expected the \(what)")
        }
        if c != EOF { ungetc(c, file) }
        return value
    }

    private func parsePAM() throws -> Header {
        var fields: [String: String] = [:]
        var line = [UInt8]()
        var lines = 0
        while true {
            let c = fgetc(file)
            if c == EOF { throw ImageIOError.malformed(path: path, detail: "PAM header has no ENDHDR") }
            if c != 10 {
                line.append(UInt8(truncatingIfNeeded: c))
                guard line.count < 1024 else {
                    throw ImageIOError.malformed(path: path, detail: "PAM header line too long")
                }
                continue
            }
            lines += 1
            guard lines < 256 else { throw ImageIOError.malformed(path: path, detail: "PAM header too long") }
            let text = String(decoding: line, as: UTF8.self).trimmingSpaces()
            line.removeAll()
            if text.isEmpty || text.hasPrefix("#") { continue }
            if text == "ENDHDR" { break }
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1].trimmingSpaces() }
        }
        func int(_ key: String) throws -> Int {
            guard let s = fields[key], let v = Int(s) else {
                throw ImageIOError.malformed(path: path, detail: "PAM header lacks \(key)")
            }
            return v
        }
        let width = try int("WIDTH"), height = try int("HEIGHT")
        let depth = try int("DEPTH"), maxValue = try int("MAXVAL")
        try check(width: width, height: height, maxValue: maxValue)
        let tuple = fields["TUPLTYPE"] ?? (depth == 3 ? "RGB" : "GRAYSCALE")
        return Header(
            magic: "P7", width: width, height: height, channels: depth, maxValue: maxValue, tupleType: tuple)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
