#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What tells one version of a file on disk from another: device, inode, size and
/// modification time. A file replaced by rename, or rewritten, gets a new identity.
struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int
    var isRegularFile: Bool
    var isDirectory: Bool

    /// A remote file's identity: its size, a checksum of its ETag or Last-Modified, and its
    /// Last-Modified time (0 when the server gave none).
    init(remoteSize: Int64, stamp: Int, modified: Int) {
        device = 0
        inode = UInt64(truncatingIfNeeded: stamp)
        size = remoteSize
        modifiedSeconds = modified
        modifiedNanoseconds = 0
        isRegularFile = true
        isDirectory = false
    }

    /// The identity of the file at `path` (following symlinks), or nil if there is none.
    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modifiedSeconds = Int(st.st_mtim.tv_sec)
        modifiedNanoseconds = Int(st.st_mtim.tv_nsec)
        isRegularFile = (st.st_mode & S_IFMT) == S_IFREG
        isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
    }
}
