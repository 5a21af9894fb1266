import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Who holds a claimed file: host name, process id and the process's start time (so a
/// reused process id is not mistaken for the holder). Written as `host~pid~start`, the
/// name of the worker's folder under `processing/`.
public struct WorkerIdentity: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let pid: Int32
    /// Start time of the process in clock ticks since boot (/proc/PID/stat field 22).
    public let startTicks: UInt64

    public init(host: String, pid: Int32, startTicks: UInt64) {
        self.host = host
        self.pid = pid
        self.startTicks = startTicks
    }

    /// This process.
    public static func current() -> WorkerIdentity {
        let pid = getpid()
        return WorkerIdentity(host: hostName(), pid: pid, startTicks: startTicks(of: pid) ?? 0)
    }

    /// Parses a token written by `description`; nil for anything else.
    public init?(token: String) {
        let parts = token.split(separator: "~", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let pid = Int32(parts[1]), let start = UInt64(parts[2]) else {
            return nil
        }
        self.init(host: String(parts[0]), pid: pid, startTicks: start)
    }

    public var description: String { "\(host)~\(pid)~\(startTicks)" }

    /// On this host: whether the process still runs (same id, same start time). Nil for
    /// another host, where only the lease (heartbeat age) can tell.
    public func isAliveHere() -> Bool? {
        guard host == Self.hostName() else { return nil }
        guard let ticks = Self.startTicks(of: pid) else { return false }
        return startTicks == 0 || ticks == startTicks
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let safe = name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }
        return safe.isEmpty ? "localhost" : safe
    }

    /// Field 22 of /proc/PID/stat (after the parenthesised command name, which may hold spaces).
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19, let ticks = UInt64(fields[19]) else { return nil }
        // A zombie has exited: it is not working on anything.
        if fields[0] == "Z" { return nil }
        return ticks
    }
}
