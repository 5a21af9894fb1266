#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The image containers Tessera reads and writes.
public enum ImageFileFormat: String, Sendable, CaseIterable {
    case tiff, png, pnm

    /// Recognises a file by its first bytes, never by its name.
    public static func detect(path: String) throws -> ImageFileFormat {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ImageIOError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, 8) }
        if n < 0 {
            throw ImageIOError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard let format = detect(header: Array(head.prefix(max(n, 0)))) else {
            throw ImageIOError.unknownFormat(path: path)
        }
        return format
    }

    public static func detect(header h: [UInt8]) -> ImageFileFormat? {
        if h.count >= 8, h[0...7] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if h.count >= 4 {
            let ii = h[0] == 0x49 && h[1] == 0x49 && (h[2] == 42 || h[2] == 43) && h[3] == 0
            let mm = h[0] == 0x4D && h[1] == 0x4D && h[2] == 0 && (h[3] == 42 || h[3] == 43)
            if ii || mm { return .tiff }
        }
        if h.count >= 2, h[0] == UInt8(ascii: "P"), [UInt8(ascii: "4"), UInt8(ascii: "5"),
            UInt8(ascii: "6"), UInt8(ascii: "7")].contains(h[1]) {
            return .pnm
        }
        return nil
    }

    /// The output format a file name asks for: .tif/.tiff, .png, .pnm/.pgm/.ppm/.pbm/.pam.
    public static func forOutput(path: String) -> ImageFileFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "tif", "tiff": return .tiff
        case "png": return .png
        case "pnm", "pgm", "ppm", "pbm", "pam": return .pnm
        default: return nil
        }
    }
}
