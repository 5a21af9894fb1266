import Prometheus
import Synchronization

/// What `/metrics` reports, in Prometheus text format: requests by kind and status, latency,
/// bytes sent, cache hits and misses, damaged tiles, open files.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let latency: DurationHistogram
    let bytes: Counter
    let cacheHits: Counter
    let cacheMisses: Counter
    let damaged: Counter
    let openFiles: Gauge
    let cacheBytes: Gauge
    private let requestCounters = Mutex<[String: Counter]>([:])
    let tileCacheBytes: Gauge
    let tileCacheHits: Gauge
    let tileCacheMisses: Gauge

    public init() {
        latency = registry.makeDurationHistogram(
            name: "tessera_request_duration_seconds",
            buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(500),
                .seconds(1), .seconds(5)],
            help: "Time from a request's arrival to its response")
        bytes = registry.makeCounter(name: "tessera_response_bytes_total", help: "Response body bytes sent")
        cacheHits = registry.makeCounter(name: "tessera_cache_hits_total", help: "Image responses served from the cache")
        cacheMisses = registry.makeCounter(name: "tessera_cache_misses_total", help: "Image responses rendered")
        damaged = registry.makeCounter(
            name: "tessera_damaged_tiles_total", help: "Image requests that met a damaged tile or file (answered 500)")
        openFiles = registry.makeGauge(name: "tessera_open_files", help: "Images open")
        cacheBytes = registry.makeGauge(name: "tessera_cache_bytes", help: "Bytes of responses in the cache")
        tileCacheBytes = registry.makeGauge(name: "tessera_tile_cache_bytes", help: "Bytes of decoded tiles in the cache")
        tileCacheHits = registry.makeGauge(name: "tessera_tile_cache_hits", help: "Decoded tiles found in the cache, so far")
        tileCacheMisses = registry.makeGauge(name: "tessera_tile_cache_misses", help: "Decoded tiles not in the cache, so far")
    }

    func record(kind: String, status: Int, duration: Duration, bytes n: Int) {
        let key = kind + " " + String(status)
        let counter = requestCounters.withLock { counters in
            if let c = counters[key] { return c }
            let c = registry.makeCounter(
                name: "tessera_requests_total", labels: [("kind", kind), ("status", String(status))],
                help: "Requests answered, by kind and status")
            counters[key] = c
            return c
        }
        counter.increment()
        latency.record(duration)
        bytes.increment(by: Int64(n))
    }

    public func text() -> String { registry.emitToString() }
}
