import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Change notices for one folder: inotify where the kernel and filesystem allow it (names
/// written, closed after writing or moved in), nothing otherwise — the watch folder then
/// relies on its periodic listing alone (the polling fallback, also what sees files written
/// by other machines on a network filesystem).
final class FolderEvents {
    enum Change {
        /// Renamed into the folder: complete at once.
        case movedIn(String)
        /// Created, written or closed after writing: complete once it stays unchanged.
        case written(String)
        /// Too many events were queued: list the folder again.
        case overflow
    }

    private var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Why inotify is not used, when it is not.
    private(set) var fallbackReason: String?

    init(folder: String, usePolling: Bool) {
        if usePolling {
            fallbackReason = "polling asked for"
            return
        }
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            fallbackReason = "inotify unavailable (\(String(cString: strerror(errno))))"
            return
        }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE)
        if inotify_add_watch(fd, folder, mask) < 0 {
            fallbackReason = "inotify cannot watch \(folder) (\(String(cString: strerror(errno))))"
            close(fd)
            fd = -1
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    var usesInotify: Bool { fd >= 0 }

    /// Waits up to `timeout` seconds for changes and returns them (empty on time-out).
    func wait(timeout: Double) -> [Change] {
        guard fd >= 0 else {
            usleep(UInt32(max(0, timeout) * 1e6))
            return []
        }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(max(0, timeout) * 1000))
        guard ready > 0 else { return [] }
        var changes: [Change] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset + 16 <= n {
                    let mask = raw.load(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(raw.load(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + 16)..<min(offset + 16 + length, n)].prefix { $0 != 0 }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    offset += 16 + length
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        changes.append(.overflow)
                    } else if name.isEmpty || mask & UInt32(IN_ISDIR) != 0 {
                        continue
                    } else if mask & UInt32(IN_MOVED_TO) != 0 {
                        changes.append(.movedIn(name))
                    } else {
                        changes.append(.written(name))
                    }
                }
            }
        }
        return changes
    }
}
