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

    /// Flushes the temporary file to disk and renames it to the final name.
    public func commit() throws {
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
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw ImageIOError.writeFailed(path: finalPath, reason: reason)
        }
        // Make the rename itself durable.
        let slash = finalPath.lastIndex(of: "/")
        let dir = slash.map { String(finalPath[...$0]) } ?? "."
        let dfd = open(dir, O_RDONLY)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// Removes the temporary file if it exists.
    public func discard() {
        _ = unlink(temporaryPath)
    }
}
