import Synchronization
import TesseraCodecs

/// Decoded tiles kept for reuse, least recently used first out, bounded in bytes, shared by
/// any number of images and threads (a tile server's many overlapping requests): tiles of
/// stored levels and full-resolution tiles as `DecodedTile`s, and the index maps of `vq`
/// tiles that views at levels 1–3 are made from. A `TessImage` given one (`init(reader:cache:)`)
/// looks there before decoding.
public final class DecodedTileCache: Sendable {
    public let capacity: Int
    private let state: Mutex<State>

    /// What a tile is: the image (its `cacheKey`), the kind of value, the level, the tile.
    struct Key: Hashable {
        var image: Int
        var kind: UInt8  // 0: DecodedTile, 1: index maps
        var level: Int32
        var column: Int32
        var row: Int32
    }

    enum Value {
        case tile(any DecodedTile)
        case maps([[UInt16]])
    }

    struct State {
        var entries: [Key: (value: Value, bytes: Int, stamp: UInt64)] = [:]
        var order: [(key: Key, stamp: UInt64)] = []  // oldest first; stale stamps skipped
        var head = 0
        var clock: UInt64 = 0
        var bytes = 0
        var hits = 0
        var misses = 0
    }

    /// A key no other image opened by this process has (never an address: one could be reused).
    static func nextImageKey() -> Int { imageKeys.wrappingAdd(1, ordering: .relaxed).newValue }
    private static let imageKeys = Atomic<Int>(0)

    public init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State())
    }

    public var bytes: Int { state.withLock { $0.bytes } }
    public var hits: Int { state.withLock { $0.hits } }
    public var misses: Int { state.withLock { $0.misses } }

    func get(_ key: Key) -> Value? {
        state.withLock { s in
            guard var e = s.entries[key] else {
                s.misses += 1
                return nil
            }
            s.hits += 1
            s.clock += 1
            e.stamp = s.clock
            s.entries[key] = e
            s.order.append((key, s.clock))
            Self.compact(&s)
            return e.value
        }
    }

    func put(_ key: Key, _ value: Value, bytes: Int) {
        guard bytes <= capacity / 8 else { return }
        let capacity = capacity
        state.withLock { s in
            s.clock += 1
            if let old = s.entries[key] { s.bytes -= old.bytes }
            s.entries[key] = (value, bytes, s.clock)
            s.order.append((key, s.clock))
            s.bytes += bytes
            // Evict the least recently used: the oldest order entries whose stamp is current.
            while s.bytes > capacity, s.head < s.order.count {
                let (k, stamp) = s.order[s.head]
                s.head += 1
                if let e = s.entries[k], e.stamp == stamp {
                    s.entries[k] = nil
                    s.bytes -= e.bytes
                }
            }
            Self.compact(&s)
        }
    }

    /// Drops the consumed and stale part of the order list once it dominates it.
    private static func compact(_ s: inout State) {
        guard s.order.count > 4 * max(s.entries.count, 1024) else { return }
        s.order = s.order[s.head...].filter { s.entries[$0.key]?.stamp == $0.stamp }
        s.head = 0
    }
}
