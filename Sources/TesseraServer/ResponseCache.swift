import Synchronization

/// Encoded responses (tiles, views) by key, least recently used first out, bounded in bytes.
/// Shared by every request; each operation holds one lock for a few dictionary steps.
public final class ResponseCache: Sendable {
    public let capacity: Int
    private let state: Mutex<LRU>

    /// A cache of at most `capacity` bytes of responses (0: no caching).
    public init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(LRU())
    }

    public func get(_ key: String) -> [UInt8]? {
        state.withLock { $0.get(key) }
    }

    public func put(_ key: String, _ value: [UInt8]) {
        // Entries larger than an eighth of the cache would push out too much for one response.
        guard value.count + key.utf8.count <= capacity / 8 else { return }
        let capacity = capacity
        state.withLock { $0.put(key, value, capacity: capacity) }
    }

    public var bytes: Int { state.withLock { $0.bytes } }
    public var count: Int { state.withLock { $0.map.count } }

    /// A doubly linked list through arrays (slot indices), most recent at `head`.
    struct LRU {
        var map: [String: Int] = [:]
        var keys: [String] = []
        var values: [[UInt8]] = []
        var prev: [Int] = []
        var next: [Int] = []
        var free: [Int] = []
        var head = -1, tail = -1
        var bytes = 0

        mutating func get(_ key: String) -> [UInt8]? {
            guard let i = map[key] else { return nil }
            unlink(i)
            pushFront(i)
            return values[i]
        }

        mutating func put(_ key: String, _ value: [UInt8], capacity: Int) {
            if let i = map[key] {
                bytes += value.count - values[i].count
                values[i] = value
                unlink(i)
                pushFront(i)
            } else {
                let i: Int
                if let f = free.popLast() {
                    i = f
                    keys[i] = key
                    values[i] = value
                } else {
                    i = keys.count
                    keys.append(key)
                    values.append(value)
                    prev.append(-1)
                    next.append(-1)
                }
                map[key] = i
                bytes += value.count + key.utf8.count
                pushFront(i)
            }
            while bytes > capacity, tail >= 0 {
                let t = tail
                unlink(t)
                bytes -= values[t].count + keys[t].utf8.count
                map[keys[t]] = nil
                keys[t] = ""
                values[t] = []
                free.append(t)
            }
        }

        private mutating func unlink(_ i: Int) {
            if prev[i] >= 0 { next[prev[i]] = next[i] } else { head = next[i] }
            if next[i] >= 0 { prev[next[i]] = prev[i] } else { tail = prev[i] }
            prev[i] = -1
            next[i] = -1
        }

        private mutating func pushFront(_ i: Int) {
            next[i] = head
            prev[i] = -1
            if head >= 0 { prev[head] = i }
            head = i
            if tail < 0 { tail = i }
        }
    }
}
