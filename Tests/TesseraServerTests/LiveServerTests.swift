import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import TestSupport
import XCTest

@testable import TesseraServer

/// The server over real HTTP on loopback: keep-alive, HEAD, CORS, limits, the IIIF validator,
/// and a graceful shutdown that answers the requests in flight.
final class LiveServerTests: XCTestCase {
    /// Runs the server on a free port until `body` returns, then shuts it down gracefully;
    /// `body` gets the port and a function that begins the shutdown early.
    func withServer(
        _ s: ServedImages, idleTimeout: Int? = nil,
        _ body: @escaping @Sendable (_ port: Int, _ shutdown: @escaping @Sendable () async -> Void) async throws -> Void
    ) async throws {
        let ports = AsyncStream<Int>.makeStream()
        var options = s.service.options
        options.port = 0
        if let idleTimeout { options.idleTimeoutSeconds = idleTimeout }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let service = try TileService(options: options, root: s.root, logger: logger)
        let app = TileServer(service: service).application { port in ports.continuation.yield(port) }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var it = ports.stream.makeAsyncIterator()
            let port = await it.next()!
            do {
                try await body(port) { await group.triggerGracefulShutdown() }
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func testKeepAliveHeadAndHeaders() async throws {
        let s = try ServedImages()
        try await withServer(s) { port, _ in
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(20)))
            client.connect()
            // Several requests on one connection.
            for path in ["/healthz", "/iiif/3/page/info.json", "/dzi/page_files/12/0_0.jpg", "/dzi/page.dzi"] {
                let r = try await client.get(path)
                XCTAssertEqual(r.status, .ok, path)
                XCTAssertEqual(r.headers[.accessControlAllowOrigin], "*", path)
            }
            let get = try await client.get("/iiif/3/page/0,0,256,256/max/0/default.png")
            let head = try await client.head("/iiif/3/page/0,0,256,256/max/0/default.png")
            XCTAssertEqual(head.status, .ok)
            XCTAssertEqual(head.headers[.contentLength], String(get.body?.readableBytes ?? -1))
            XCTAssertEqual(head.body?.readableBytes ?? 0, 0)
            XCTAssertEqual(head.headers[.eTag], get.headers[.eTag])
            var conditional = HTTPFields()
            conditional[.ifNoneMatch] = get.headers[.eTag]!
            let notModified = try await client.get("/iiif/3/page/0,0,256,256/max/0/default.png", headers: conditional)
            XCTAssertEqual(notModified.status, .notModified)
            let missing = try await client.get("/iiif/3/nothing/info.json")
            XCTAssertEqual(missing.status, .notFound)
            // An over-long header is refused, and the server goes on.
            var huge = HTTPFields()
            huge[HTTPField.Name("X-Padding")!] = String(repeating: "x", count: 64 << 10)
            _ = try? await client.get("/healthz", headers: huge)
            try await client.shutdown()
            let fresh = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(20)))
            fresh.connect()
            let after = try await fresh.get("/healthz")
            XCTAssertEqual(after.status, .ok)
            try await fresh.shutdown()
        }
    }

    /// Requests in flight when shutdown begins are answered in full.
    func testGracefulShutdownAnswersRequestsInFlight() async throws {
        let s = try ServedImages(cacheBytes: 0)
        try await withServer(s) { port, shutdown in
            let results = try await withThrowingTaskGroup(of: (Int, Int).self) { tasks in
                // Whole-page PNGs: each takes tens of milliseconds to make.
                for i in 0..<3 {
                    tasks.addTask {
                        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30)))
                        client.connect()
                        let r = try await client.get("/iiif/3/page/full/\(2000 + i),/0/default.png")
                        try await client.shutdown()
                        return (Int(r.status.code), r.body?.readableBytes ?? 0)
                    }
                }
                try await Task.sleep(for: .milliseconds(30))
                await shutdown()
                var answers: [(Int, Int)] = []
                for try await r in tasks { answers.append(r) }
                return answers
            }
            XCTAssertEqual(results.count, 3)
            for (status, bytes) in results {
                XCTAssertEqual(status, 200)
                XCTAssertGreaterThan(bytes, 10000)
            }
        }
    }

    /// The IIIF validator (PyPI iiif-validator), level 2, on its own test image served
    /// lossless; skipped when it is not installed.
    func testIIIFValidatorLevel2() async throws {
        guard let validator = Self.which("iiif-validate.py") else {
            throw XCTSkip("iiif-validate.py not installed (pip install iiif-validator): IIIF validator not run")
        }
        let s = try ServedImages()
        let png = s.dir.path("validator.png")
        let make = try Self.run(
            "/usr/bin/env", ["python3", Corpus.repositoryRoot.appendingPathComponent("tests/iiif/make_validator_image.py").path, png])
        XCTAssertEqual(make.status, 0, make.output)
        var lossless = CompressOptions()
        lossless.mode = .lossless
        _ = try Compressor.compress(input: png, output: s.dir.path("validator-lossless.tess"), options: lossless)
        // Lossy, at a step that keeps the squares' colours within the validator's ±5.
        var transform = CompressOptions()
        transform.mode = .transform(try TransformOptions(step: 4))
        _ = try Compressor.compress(input: png, output: s.dir.path("validator-transform.tess"), options: transform)
        try await withServer(s) { port, _ in
            for id in ["validator-lossless", "validator-transform"] {
                let r = try Self.run(
                    validator, ["-s", "127.0.0.1:\(port)", "-p", "iiif/3", "-i", id, "--version", "3.0", "--level", "2"])
                let summary = r.output.split(separator: "\n").last { $0.hasPrefix("Done") } ?? "no summary"
                print("IIIF validator, \(id): \(summary)")
                XCTAssertEqual(r.status, 0, r.output)
                XCTAssertTrue(summary.hasSuffix("0 failures)"), r.output)
            }
        }
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func run(_ tool: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

import TesseraPipeline

extension LiveServerTests {
    /// A client that sends half a request and stalls is disconnected after the idle timeout.
    func testStalledClientIsDisconnected() async throws {
        let s = try ServedImages()
        try await withServer(s, idleTimeout: 1) { port, _ in
            let seconds = try Self.secondsUntilClosed(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: x\r\n")
            XCTAssertLessThan(seconds, 5, "a stalled request is closed after the 1 s idle timeout")
            XCTAssertGreaterThan(seconds, 0.5)
        }
    }

    /// Connects, sends `text`, and returns how long until the server closes the connection.
    static func secondsUntilClosed(port: Int, sending text: String) throws -> Double {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServeError(500, "cannot connect") }
        _ = text.withCString { send(fd, $0, strlen($0), 0) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while recv(fd, &buffer, buffer.count, 0) > 0 {}
        return Date().timeIntervalSince(start)
    }
}

#if canImport(Glibc)
import Glibc
#endif
