#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress lines of `tessera train` on standard error (fd 2): shown when fd 2
/// is a terminal (rewriting one line) or when asked for (one line per update).
struct TrainProgress {
    let enabled: Bool
    let terminal: Bool
    private var lastLength = 0
    private var lastTime = 0.0

    init(forced: Bool, quiet: Bool) {
        terminal = isatty(2) == 1
        enabled = !quiet && (forced || terminal)
    }

    /// Shows `text`; on a terminal, at most ten times a second unless `force`.
    mutating func show(_ text: String, force: Bool = false) {
        guard enabled else { return }
        if terminal {
            let now = Self.seconds()
            guard force || now - lastTime >= 0.1 else { return }
            lastTime = now
            let pad = max(0, lastLength - text.count)
            Self.write("\r" + text + String(repeating: " ", count: pad))
            lastLength = text.count
        } else {
            Self.write(text + "\n")
        }
    }

    /// Ends the current terminal line so that later output starts clean.
    mutating func finish() {
        guard enabled, terminal, lastLength > 0 else { return }
        Self.write("\r" + String(repeating: " ", count: lastLength) + "\r")
        lastLength = 0
    }

    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                raw.baseAddress.map { Glibc.write(2, $0 + offset, raw.count - offset) } ?? 0
            }
            if n <= 0 { return }
            offset += n
        }
    }

    static func seconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
