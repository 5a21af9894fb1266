#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped into memory, read-only, and shared by every thread that reads it (the tile
/// server keeps each file open this way). Reads copy out of the mapping: no system call.
/// Files are replaced by rename (never rewritten in place), so a mapping stays valid for
/// the file it was made of; a file truncated in place under the mapping would fault.
public final class MappedFileSource: RandomAccessSource, @unchecked Sendable {
    public let path: String
    public let size: UInt64
    private let base: UnsafeRawPointer?

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TessFileError(path: path, problem: .cannotOpen(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw TessFileError(path: path, problem: .cannotOpen(String(cString: strerror(errno))))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw TessFileError(path: path, problem: .cannotOpen("not a regular file"))
        }
        let size = UInt64(st.st_size)
        if size == 0 {
            base = nil
        } else {
            let p = mmap(nil, Int(size), PROT_READ, MAP_SHARED, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw TessFileError(path: path, problem: .cannotOpen(String(cString: strerror(errno))))
            }
            base = UnsafeRawPointer(p)
        }
        self.path = path
        self.size = size
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), Int(size)) }
    }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw TessFileError(path: path, problem: .container(.malformed("read", "range past the end of the file")))
        }
        guard count > 0, let base else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: base + Int(offset), count: count))
    }
}
