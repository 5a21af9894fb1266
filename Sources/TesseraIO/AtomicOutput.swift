#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output written under a temporary name beside its final path, then flushed
/// and renamed into place, so a reader never sees a half-written file under
/// the final name. The temporary name starts with a dot (watch folders skip it).
public struct AtomicOutput: Sendable {
    public let finalPath: String
    public let temporaryPath: String

    public init(finalPath: String) {
        self.finalPath = finalPath
        let slash = finalPath.lastIndex(of: "/")
        let dir = slash.map { String(finalPath[...$0]) } ?? ""
        let name = slash.map { String(finalPath[finalPath.index(after: $0)...]) } ?? finalPath
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        self.temporaryPath = "\(dir).\(name).\(getpid())-\(tag).tmp"
    }

    /// The process that made a temporary name of this type (`.NAME.PID-TAG.tmp`), or nil when
    /// `name` (a file name, no folder) is not one: lets a cleaner tell a dead writer's leftovers.
    public static func writerProcess(ofTemporaryName name: String) -> Int32? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
        let stem = name.dropLast(4)
        guard let dot = stem.lastIndex(of: "."), let dash = stem[dot...].firstIndex(of: "-") else { return nil }
        return Int32(stem[stem.index(after: dot)..<dash])
    }

    /// Flushes the temporary file to disk and gives it the first of `paths` (in the final
    /// path's folder) that does not exist, never replacing a file: a hard link, which fails
    /// when the name is taken, then the temporary name removed. A name taken by a file of the
    /// very same bytes is this output already (a deterministic job done again after a crash):
    /// the temporary file is dropped and that name returned. Returns the name given; throws
    /// when every one is taken by other files (the temporary file is removed).
    public func commit(firstFreeOf paths: [String]) throws -> String {
        try flushTemporary()
        for path in paths where Self.sameBytes(temporaryPath, path) {
            discard()
            return path
        }
        guard let placed = try Self.move(temporaryPath, toFirstFreeOf: paths) else {
            discard()
            throw ImageIOError.writeFailed(
                path: paths.first ?? finalPath,
                reason: "\(paths.joined(separator: " and ")) exist already; nothing is replaced")
        }
        syncFolder(of: placed)
        return placed
    }

    /// Moves the complete file `source` to the first of `paths` that does not exist, never
    /// replacing one (hard link, then unlink; where hard links are not supported, a rename
    /// after a check). Nil when every name is taken (`source` is left as it is).
    public static func move(_ source: String, toFirstFreeOf paths: [String]) throws -> String? {
        for path in paths {
            if link(source, path) == 0 {
                _ = unlink(source)
                return path
            }
            let e = errno
            if e == EEXIST { continue }
            guard e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EXDEV else {
                throw ImageIOError.writeFailed(path: path, reason: String(cString: strerror(e)))
            }
            var st = stat()
            if lstat(path, &st) == 0 { continue }
            guard rename(source, path) == 0 else {
                throw ImageIOError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            return path
        }
        return nil
    }

    /// Whether the files `a` and `b` both exist and hold the same bytes.
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0, sa.st_size == sb.st_size else { return false }
        let fa = open(a, O_RDONLY), fb = open(b, O_RDONLY)
        defer {
            if fa >= 0 { close(fa) }
            if fb >= 0 { close(fb) }
        }
        guard fa >= 0, fb >= 0 else { return false }
        var x = [UInt8](repeating: 0, count: 1 << 20), y = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = read(fa, &x, x.count)
            guard n >= 0 else { return false }
            if n == 0 { return true }
            var got = 0
            while got < n {
                let m = y.withUnsafeMutableBytes { read(fb, $0.baseAddress! + got, n - got) }
                guard m > 0 else { return false }
                got += m
            }
            guard x[0..<n] == y[0..<n] else { return false }
        }
    }

    private func flushTemporary() throws {
        let fd = open(temporaryPath, O_RDONLY)
        guard fd >= 0 else {
            throw ImageIOError.writeFailed(
                path: finalPath, reason: "temporary file vanished: \(String(cString: strerror(errno)))")
        }
        let synced = fsync(fd)
        let syncErrno = errno
        close(fd)
        guard synced == 0 else {
            discard()
            throw ImageIOError.writeFailed(path: finalPath, reason: String(cString: strerror(syncErrno)))
        }
    }

    /// Makes a rename or link in `path`'s folder durable.
    private func syncFolder(of path: String) {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? "."
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// Flushes the temporary file to disk and renames it to the final name.
    public func commit() throws {
        try flushTemporary()
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw ImageIOError.writeFailed(path: finalPath, reason: reason)
        }
        // Make the rename itself durable.
        syncFolder(of: finalPath)
    }

    /// Removes the temporary file if it exists.
    public func discard() {
        _ = unlink(temporaryPath)
    }
}
