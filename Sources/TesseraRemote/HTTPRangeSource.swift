import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TesseraFormat

/// A `.tess` file on an HTTP(S) server, read by Range requests (RFC 9110), like a
/// Cloud-Optimized GeoTIFF. Opening fetches the last 64 KiB (the footer and, usually, the
/// whole seek index) in the request that learns the size, then the header: two round trips,
/// three when the index is larger. `prefetch` fetches each run of adjacent ranges in one
/// request (runs in parallel); reads it covers need no request. Fetched ranges are kept up to
/// `cacheBytes`, oldest out first. Safe to share between threads.
public final class HTTPRangeSource: RandomAccessSource, Sendable {
    public let url: String
    public let size: UInt64
    /// The response's ETag or Last-Modified, when the server sent one.
    public let validator: String?
    /// The response's Last-Modified, when the server sent one.
    public let lastModified: String?
    private let client: HTTPClient
    private let cacheBytes: Int
    private let state: Mutex<State>
    private let requests = Atomic<Int>(0)

    struct State {
        var blocks: [(offset: UInt64, bytes: [UInt8])] = []
        var bytes = 0
    }

    /// Bytes fetched by the first request.
    public static let tailBytes = 64 << 10
    /// Ranges closer than this are fetched together (a gap costs less than a round trip).
    public static let mergeGap = 16 << 10

    /// How many HTTP requests this source has made.
    public var requestCount: Int { requests.load(ordering: .relaxed) }

    public init(url: String, client: HTTPClient = .shared, cacheBytes: Int = 64 << 20) throws {
        self.url = url
        self.client = client
        self.cacheBytes = cacheBytes
        state = Mutex(State())
        let (status, headers, body) = try Self.get(url, range: "bytes=-\(Self.tailBytes)", client: client, counter: requests)
        switch status {
        case 206:
            guard let total = Self.totalSize(headers["Content-Range"].first) else {
                throw TessFileError(path: url, problem: .cannotOpen("the server's 206 response has no Content-Range size"))
            }
            size = total
        case 200:
            // The server ignores ranges: keep the whole file if it is small, else refuse.
            guard body.count <= 64 << 20 else {
                throw TessFileError(path: url, problem: .cannotOpen("the server does not answer range requests"))
            }
            size = UInt64(body.count)
        case 416:
            size = 0
        default:
            throw TessFileError(path: url, problem: .cannotOpen("HTTP \(status)"))
        }
        validator = headers["ETag"].first ?? headers["Last-Modified"].first
        lastModified = headers["Last-Modified"].first
        let start = size - UInt64(body.count)
        if !body.isEmpty { state.withLock { $0.blocks.append((start, body)); $0.bytes = body.count } }
    }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw TessFileError(path: url, problem: .container(.malformed("read", "range past the end of the file")))
        }
        if count == 0 { return [] }
        if let hit = cached(offset, count) { return hit }
        let bytes = try fetch(offset, count)
        keep(offset, bytes)
        return bytes
    }

    public func prefetch(_ ranges: [(offset: UInt64, count: Int)]) {
        let wanted = ranges.filter { $0.count > 0 && cached($0.offset, $0.count) == nil }.sorted { $0.offset < $1.offset }
        guard !wanted.isEmpty else { return }
        var runs: [(offset: UInt64, count: Int)] = []
        for r in wanted {
            if let last = runs.last, r.offset <= last.offset + UInt64(last.count) + UInt64(Self.mergeGap) {
                let end = max(last.offset + UInt64(last.count), r.offset + UInt64(r.count))
                runs[runs.count - 1].count = Int(end - last.offset)
            } else {
                runs.append(r)
            }
        }
        // More than the cache holds would push out what it fetched: leave those to read().
        guard runs.reduce(0, { $0 + $1.count }) <= cacheBytes / 2 else { return }
        let results = Mutex<[(UInt64, [UInt8])]>([])
        let merged = runs
        DispatchQueue.concurrentPerform(iterations: merged.count) { i in
            if let bytes = try? fetch(merged[i].offset, merged[i].count) {
                results.withLock { $0.append((merged[i].offset, bytes)) }
            }
        }
        for (offset, bytes) in results.withLock({ $0 }) { keep(offset, bytes) }
    }

    private func cached(_ offset: UInt64, _ count: Int) -> [UInt8]? {
        state.withLock { s in
            for b in s.blocks where offset >= b.offset && offset + UInt64(count) <= b.offset + UInt64(b.bytes.count) {
                let from = Int(offset - b.offset)
                return Array(b.bytes[from..<(from + count)])
            }
            return nil
        }
    }

    private func keep(_ offset: UInt64, _ bytes: [UInt8]) {
        guard bytes.count <= cacheBytes else { return }
        state.withLock { s in
            s.blocks.append((offset, bytes))
            s.bytes += bytes.count
            while s.bytes > cacheBytes, s.blocks.count > 1 {
                s.bytes -= s.blocks.removeFirst().bytes.count
            }
        }
    }

    private func fetch(_ offset: UInt64, _ count: Int) throws -> [UInt8] {
        let last = offset + UInt64(count) - 1
        let (status, _, body) = try Self.get(url, range: "bytes=\(offset)-\(last)", client: client, counter: requests)
        if status == 206, body.count == count { return body }
        if status == 200, UInt64(body.count) == size { return Array(body[Int(offset)..<(Int(offset) + count)]) }
        throw TessFileError(
            path: url, problem: .cannotOpen("HTTP \(status) for bytes \(offset)-\(last) (\(body.count) bytes came)"))
    }

    /// One GET, waited for on the calling thread (never an event loop's).
    static func get(_ url: String, range: String, client: HTTPClient, counter: borrowing Atomic<Int>) throws
        -> (Int, HTTPHeaders, [UInt8])
    {
        var headers = HTTPHeaders()
        headers.add(name: "Range", value: range)
        headers.add(name: "User-Agent", value: "tessera")
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: .GET, headers: headers)
        } catch {
            throw TessFileError(path: url, problem: .cannotOpen("not a URL this client can fetch: \(error)"))
        }
        counter.wrappingAdd(1, ordering: .relaxed)
        let response: HTTPClient.Response
        do {
            response = try client.execute(request: request, deadline: .now() + .seconds(30)).wait()
        } catch {
            throw TessFileError(path: url, problem: .cannotOpen("\(error)"))
        }
        var body = response.body ?? ByteBuffer()
        return (Int(response.status.code), response.headers, body.readBytes(length: body.readableBytes) ?? [])
    }

    /// The total of `bytes A-B/TOTAL`.
    static func totalSize(_ contentRange: String?) -> UInt64? {
        guard let cr = contentRange, let slash = cr.lastIndex(of: "/") else { return nil }
        return UInt64(cr[cr.index(after: slash)...])
    }
}
