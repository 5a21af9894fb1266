#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Positioned reads from a .tess file. A viewer or tile server can supply its
/// own (a memory map, an HTTP range reader); tests use one that records every
/// byte range read.
public protocol RandomAccessSource: Sendable {
    var size: UInt64 { get }
    /// Reads exactly `count` bytes at `offset`, or throws.
    func read(at offset: UInt64, count: Int) throws -> [UInt8]
    /// Byte ranges about to be read (see the extension's default, which does nothing).
    func prefetch(_ ranges: [(offset: UInt64, count: Int)])
}

/// A file read with `pread`, safe to share between threads.
public final class FileRandomAccess: RandomAccessSource, @unchecked Sendable {
    public let path: String
    public let size: UInt64
    private let fd: Int32

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TessFileError(path: path, problem: .cannotOpen(String(cString: strerror(errno)))) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TessFileError(path: path, problem: .cannotOpen(reason))
        }
        self.path = path
        self.fd = fd
        self.size = UInt64(st.st_size)
    }

    deinit { close(fd) }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw TessFileError(path: path, problem: .container(.malformed("read", "range past the end of the file")))
        }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < count {
                let n = pread(fd, buf.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw TessFileError(
                        path: path, problem: .cannotOpen(n == 0 ? "unexpected end of file" : String(cString: strerror(errno))))
                }
                done += n
            }
        }
        return out
    }
}

extension RandomAccessSource {
    /// Told which byte ranges reads are about to come for (the tiles of a region), so that a
    /// source with costly reads (HTTP) can fetch them in as few requests as possible. Local
    /// files ignore it.
    public func prefetch(_ ranges: [(offset: UInt64, count: Int)]) {}
}
