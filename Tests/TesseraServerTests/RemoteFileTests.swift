import Foundation
import TestSupport
import TesseraFormat
import TesseraIO
import TesseraPipeline
import TesseraRemote
import XCTest

@testable import TesseraServer

/// Remote files over HTTP range requests, against nginx (Debian) on loopback serving a folder
/// of .tess files: the same pixels as the local file, and at most 3 round trips plus one per
/// run of adjacent tiles.
final class RemoteFileTests: XCTestCase {
    /// nginx serving `folder` on a free loopback port, stopped when the returned object goes.
    final class Nginx: @unchecked Sendable {
        let process = Process()
        let port: Int
        let dir: ScratchDirectory

        init(serving folder: String) throws {
            let nginx = "/usr/sbin/nginx"
            guard FileManager.default.isExecutableFile(atPath: nginx) else {
                throw XCTSkip("nginx not installed (apt-get install nginx-light): remote files not tested")
            }
            dir = try ScratchDirectory()
            port = 20000 + Int.random(in: 0..<20000)
            try FileManager.default.createDirectory(atPath: dir.path("tmp"), withIntermediateDirectories: true)
            let d = dir.url.path
            let conf = """
                daemon off;
                pid \(d)/nginx.pid;
                error_log \(d)/error.log;
                \(getuid() == 0 ? "user root;" : "")
                events {}
                http {
                  access_log \(d)/access.log;
                  client_body_temp_path \(d)/tmp; proxy_temp_path \(d)/tmp; fastcgi_temp_path \(d)/tmp;
                  uwsgi_temp_path \(d)/tmp; scgi_temp_path \(d)/tmp;
                  server { listen 127.0.0.1:\(port); root \(folder); }
                }
                """
            try conf.write(toFile: dir.path("nginx.conf"), atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: nginx)
            process.arguments = ["-c", dir.path("nginx.conf"), "-p", d]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<100 {
                if (try? HTTPRangeSource(url: "http://127.0.0.1:\(port)/page.tess")) != nil { return }
                usleep(20_000)
            }
            throw XCTSkip("nginx did not start: \((try? String(contentsOfFile: dir.path("error.log"), encoding: .utf8)) ?? "")")
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func testRemoteRegionsEqualLocalInFewRoundTrips() throws {
        let s = try ServedImages()
        let nginx = try Nginx(serving: s.root)
        for name in ["page", "sub/deeper/page-vq"] {
            let local = try TessImage(path: s.root + "/" + name + ".tess")
            let regions = [(0, 0, 256, 256), (300, 500, 1024, 768), (0, 0, 2560, 3300), (2000, 3000, 560, 300)]
            for (x, y, w, h) in regions {
                let source = try HTTPRangeSource(url: "http://127.0.0.1:\(nginx.port)/\(name).tess")
                let remote = try TessImage(source: source, path: source.url)
                XCTAssertLessThanOrEqual(source.requestCount, 3, "opening")
                let got = try remote.region(x: x, y: y, width: w, height: h)
                XCTAssertEqual(got, try local.region(x: x, y: y, width: w, height: h), "\(name) \(x),\(y),\(w),\(h)")
                // Runs of tiles adjacent in the file (no gap between them).
                let entries = local.header.tiles(overlapping: x, y, w, h)
                    .map { local.reader.index.entry(column: $0.column, row: $0.row) }.sorted { $0.offset < $1.offset }
                var runs = 0
                var end: UInt64 = .max
                for e in entries {
                    if e.offset != end { runs += 1 }
                    end = e.offset + UInt64(e.length)
                }
                XCTAssertLessThanOrEqual(
                    source.requestCount, 3 + runs, "\(name) \(x),\(y),\(w),\(h): \(source.requestCount) requests for \(runs) runs")
            }
            // Views from stored levels, and the CLI on a URL.
            let source = try HTTPRangeSource(url: "http://127.0.0.1:\(nginx.port)/\(name).tess")
            let remote = try TessImage(source: source, path: source.url)
            XCTAssertEqual(
                try remote.view(x: 0, y: 0, width: 2560, height: 3300, outputWidth: 160, outputHeight: 206),
                try local.view(x: 0, y: 0, width: 2560, height: 3300, outputWidth: 160, outputHeight: 206))
        }
        let out = s.dir.path("remote.png")
        let run = try CommandRunner.tessera([
            "decompress", "http://127.0.0.1:\(nginx.port)/page.tess", "-o", out, "--region", "256,256,512,512", "--json",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("\"http_requests\":3"), run.stdout)
        let info = try CommandRunner.tessera(["info", "http://127.0.0.1:\(nginx.port)/page.tess"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("2560 x 3300"))
        let missing = try CommandRunner.tessera(["info", "http://127.0.0.1:\(nginx.port)/nothing.tess"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("nothing.tess") && missing.stderr.contains("404"), missing.stderr)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
    }

    /// `serve --remote`: the same responses as serving the folder itself.
    func testServeRemoteFolder() throws {
        let s = try ServedImages()
        let nginx = try Nginx(serving: s.root)
        var options = ServerOptions()
        options.remoteBase = "http://127.0.0.1:\(nginx.port)/"
        let remote = try TileService(options: options, root: "/")
        for path in ["/iiif/3/page/0,0,512,512/256,/0/default.png", "/dzi/sub%2Fdeeper%2Fpage-vq_files/9/0_0.png",
            "/iiif/3/page/full/!200,200/90/gray.png"]
        {
            let a = remote.respond(ServiceRequest(path: path)), b = s.get(path)
            XCTAssertEqual(a.status, 200, path)
            XCTAssertEqual(a.body, b.body, path)
        }
        XCTAssertEqual(remote.respond(ServiceRequest(path: "/iiif/3/nothing/info.json")).status, 404)
        XCTAssertEqual(remote.respond(ServiceRequest(path: "/iiif/3/..%2Fetc/info.json")).status, 400)
    }
}
