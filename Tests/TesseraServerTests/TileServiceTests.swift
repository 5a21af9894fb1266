import Foundation
import TestSupport
import TesseraFormat
import TesseraIO
import TesseraPipeline
import XCTest

@testable import TesseraServer

/// The tile service on real files: served pixels equal the library's (and the CLI's) views,
/// HTTP validators, traversal attempts, damaged files, concurrent requests.
final class TileServiceTests: XCTestCase {
    /// Served PNGs equal `TessImage.view` (what `decompress --region --size` writes) for IIIF
    /// tiles at several scales, pct regions, squares, and Deep Zoom tiles; rotated and mirrored
    /// responses equal the view turned independently here.
    func testServedPixelsEqualViews() throws {
        let s = try ServedImages(kodak: true)
        var ids = ["page", "sub%2Fdeeper%2Fpage-vq"]
        if Corpus.isPresent { ids.append("kodim23") } else { print("corpus absent: Kodak served pixels not checked") }
        for id in ids {
            // The reference: the same file opened anew, with no cache (the server's has one).
            let image = try TessImage(path: s.root + "/" + PercentEncoding.decode(Substring(id))! + ".tess")
            let w = image.header.width, h = image.header.height
            let requests: [(String, (Int, Int, Int, Int, Int, Int))] = [
                ("0,0,256,256/256,", (0, 0, 256, 256, 256, 256)),
                ("512,256,512,512/256,", (512, 256, 512, 512, 256, 256)),
                ("0,0,4096,4096/256,", (0, 0, min(4096, w), min(4096, h), 0, 0)),
                ("full/!300,300", (0, 0, w, h, 0, 0)),
                ("pct:25,25,50,50/pct:20", (0, 0, 0, 0, 0, 0)),
                ("square/100,", (0, 0, 0, 0, 0, 0)),
                ("100,100,77,55/77,55", (100, 100, 77, 55, 77, 55)),
            ]
            // Twice over: the second time from the caches (sizes that differ by one pixel share
            // decoded tiles, not responses).
            for (path, _) in requests + requests.map { ($0.0.replacingOccurrences(of: "256,", with: "255,"), $0.1) } {
                let r = s.get("/iiif/3/\(id)/\(path)/0/default.png")
                XCTAssertEqual(r.status, 200, "\(id) \(path): \(String(decoding: r.body, as: UTF8.self))")
                let served = try s.pixels(r)
                let parts = path.split(separator: "/")
                let resolved = try IIIFRequest(
                    region: parts[0], size: parts[1], rotation: "0", qualityAndFormat: "default.png"
                ).resolve(width: w, height: h, limits: s.service.limits(try s.service.catalog.image(PercentEncoding.decode(Substring(id))!)))
                var want = try image.view(
                    x: resolved.x, y: resolved.y, width: resolved.width, height: resolved.height,
                    outputWidth: resolved.outputWidth, outputHeight: resolved.outputHeight)
                if resolved.outputWidth == resolved.width && resolved.outputHeight == resolved.height {
                    want = try image.region(x: resolved.x, y: resolved.y, width: resolved.width, height: resolved.height)
                }
                XCTAssertEqual(served.width, resolved.outputWidth, "\(id) \(path)")
                XCTAssertEqual(served.height, resolved.outputHeight, "\(id) \(path)")
                XCTAssertTrue(Self.sameEightBit(served, want), "\(id) \(path): served pixels differ from the view")
            }
            // Rotation and mirroring, checked against the view turned here.
            let base = try image.view(x: 0, y: 0, width: 512, height: 256, outputWidth: 256, outputHeight: 128)
            for rotation in ["90", "180", "270", "!0", "!90"] {
                let served = try s.pixels(s.get("/iiif/3/\(id)/0,0,512,256/256,/\(rotation)/default.png"))
                let mirror = rotation.hasPrefix("!"), degrees = Int(rotation.dropFirst(mirror ? 1 : 0))!
                XCTAssertEqual(served.width, degrees % 180 == 0 ? 256 : 128, rotation)
                for (x, y) in [(0, 0), (17, 3), (255, 127), (100, 60)] {
                    let sx = mirror ? 255 - x : x
                    let (dx, dy): (Int, Int) =
                        switch degrees {
                        case 90: (127 - y, x)
                        case 180: (255 - x, 127 - y)
                        case 270: (y, 255 - x)
                        default: (x, y)
                        }
                    XCTAssertEqual(
                        served.sample(x: dx, y: dy, channel: 0), Self.eight(base, x: sx, y: y, channel: 0),
                        "\(id) rotation \(rotation) at \(x),\(y)")
                }
            }
            // Deep Zoom tiles are the same views.
            let dz = DeepZoom(width: w, height: h)
            for (level, c, r) in [(dz.maxLevel, 1, 1), (dz.maxLevel - 3, 0, 0), (dz.maxLevel - 1, 1, 0), (0, 0, 0)] {
                let t = try dz.tile(level: level, column: c, row: r, format: .png)
                let served = try s.pixels(s.get("/dzi/\(id)_files/\(level)/\(c)_\(r).png"))
                let want =
                    t.outputWidth == t.width && t.outputHeight == t.height
                    ? try image.region(x: t.x, y: t.y, width: t.width, height: t.height)
                    : try image.view(x: t.x, y: t.y, width: t.width, height: t.height, outputWidth: t.outputWidth, outputHeight: t.outputHeight)
                XCTAssertTrue(Self.sameEightBit(served, want), "\(id) Deep Zoom \(level)/\(c)_\(r)")
            }
        }
    }

    /// The acceptance check as a user would make it: a served region equals the PNG that
    /// `tessera decompress --region --size` writes.
    func testServedPixelsEqualDecompressCommand() throws {
        let s = try ServedImages()
        for (id, region, size) in [("page", "300,500,1024,768", "512,384"), ("page", "0,0,2560,3300", "640,825"),
            ("sub%2Fdeeper%2Fpage-vq", "1000,1000,600,400", "600,400")]
        {
            let served = try s.pixels(s.get("/iiif/3/\(id)/\(region)/\(size)/0/default.png"))
            let file = s.root + "/" + PercentEncoding.decode(Substring(id))! + ".tess"
            let out = s.dir.path("cli-\(UUID().uuidString).png")
            var args = ["decompress", file, "-o", out, "--region", region]
            if size.split(separator: ",") != region.split(separator: ",").suffix(2) { args += ["--size", size] }
            let run = try CommandRunner.tessera(args)
            XCTAssertEqual(run.status, 0, run.stderr)
            let cli = try ImageFiles.readAll(out)
            XCTAssertTrue(Self.sameEightBit(served, cli), "\(id) \(region) \(size): served ≠ decompress")
        }
    }

    func testInfoJSONAndRedirect() throws {
        let s = try ServedImages()
        let r = s.get("/iiif/3/sub%2Fdeeper%2Fpage-vq/info.json", headers: ["Host": "example.org:81"])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("Content-Type"), "application/json")
        let json = try JSONSerialization.jsonObject(with: Data(r.body)) as! [String: Any]
        XCTAssertEqual(json["id"] as? String, "http://example.org:81/iiif/3/sub%2Fdeeper%2Fpage-vq")
        XCTAssertEqual(json["type"] as? String, "ImageService3")
        XCTAssertEqual(json["profile"] as? String, "level2")
        XCTAssertEqual(json["width"] as? Int, 2560)
        XCTAssertEqual(json["height"] as? Int, 3300)
        let tiles = (json["tiles"] as! [[String: Any]])[0]
        XCTAssertEqual(tiles["scaleFactors"] as? [Int], [1, 2, 4, 8, 16])
        XCTAssertEqual((json["sizes"] as! [[String: Int]]).first?["width"], 160)
        XCTAssertEqual(r.header("Access-Control-Allow-Origin"), "*")
        XCTAssertTrue(r.header("Link")!.contains("rel=\"profile\""))
        let ld = s.get("/iiif/3/page/info.json", headers: ["Accept": "application/ld+json"])
        XCTAssertTrue(ld.header("Content-Type")!.hasPrefix("application/ld+json"))
        let redirect = s.get("/iiif/3/page", headers: ["Host": "h:1"])
        XCTAssertEqual(redirect.status, 303)
        XCTAssertEqual(redirect.header("Location"), "http://h:1/iiif/3/page/info.json")
        let image = s.get("/iiif/3/page/full/max/0/default.jpg", headers: ["Host": "h:1"])
        XCTAssertTrue(image.header("Link")!.contains("<http://h:1/iiif/3/page/full/max/0/default.jpg>;rel=\"canonical\""))
        XCTAssertEqual(Array(image.body.prefix(3)), [0xFF, 0xD8, 0xFF], "a JPEG")
        let dzi = String(decoding: s.get("/dzi/page.dzi").body, as: UTF8.self)
        XCTAssertTrue(dzi.contains("TileSize=\"256\" Overlap=\"0\" Format=\"jpg\""))
        XCTAssertTrue(dzi.contains("<Size Width=\"2560\" Height=\"3300\"/>"))
    }

    func testETagsAndConditionalRequests() throws {
        let s = try ServedImages()
        let path = "/iiif/3/page/0,0,512,512/256,/0/default.jpg"
        let first = s.get(path)
        let tag = try XCTUnwrap(first.header("ETag"))
        let modified = try XCTUnwrap(first.header("Last-Modified"))
        XCTAssertEqual(first.header("Cache-Control"), "public, max-age=86400")
        let again = s.get(path, headers: ["If-None-Match": tag])
        XCTAssertEqual(again.status, 304)
        XCTAssertTrue(again.body.isEmpty)
        XCTAssertEqual(again.header("ETag"), tag)
        XCTAssertEqual(s.get(path, headers: ["If-None-Match": "\"other\", \(tag)"]).status, 304)
        XCTAssertEqual(s.get(path, headers: ["If-None-Match": "\"other\""]).status, 200)
        XCTAssertEqual(s.get(path, headers: ["If-Modified-Since": modified]).status, 304)
        XCTAssertEqual(s.get(path, headers: ["If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"]).status, 200)
        // A different request has a different tag; the same pixels by Deep Zoom have the same one.
        XCTAssertNotEqual(s.get("/iiif/3/page/0,0,512,512/256,/0/gray.jpg").header("ETag"), tag)
        XCTAssertEqual(s.get("/dzi/page_files/11/0_0.jpg").header("ETag"), tag)
        // HEAD: the headers and the length, no body.
        let head = s.get(path, method: "HEAD")
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
        XCTAssertEqual(head.header("Content-Length"), String(first.body.count))
        XCTAssertEqual(s.get(path, method: "POST").status, 405)
        // A file replaced on disk gets new tags and is served anew.
        var lossless = CompressOptions()
        lossless.mode = .lossless
        lossless.tileSize = 128
        let replacement = s.dir.path("replacement.tess")
        _ = try Compressor.compress(input: Fixtures.path("scans/leptonica-pageseg2.tif"), output: replacement, options: lossless)
        XCTAssertEqual(rename(replacement, s.dir.path("page.tess")), 0)
        Thread.sleep(forTimeInterval: 1.1)  // ImageCatalog.recheckInterval
        let after = s.get(path, headers: ["If-None-Match": tag])
        XCTAssertEqual(after.status, 200)
        XCTAssertNotEqual(after.header("ETag"), tag)
    }

    /// Identifiers never reach outside the folder.
    func testTraversalAttempts() throws {
        let s = try ServedImages()
        let outside = try ScratchDirectory()
        try FileManager.default.copyItem(atPath: s.dir.path("page.tess"), toPath: outside.path("secret.tess"))
        try FileManager.default.createSymbolicLink(atPath: s.dir.path("link.tess"), withDestinationPath: outside.path("secret.tess"))
        try FileManager.default.createSymbolicLink(atPath: s.dir.path("linkdir"), withDestinationPath: outside.url.path)
        try FileManager.default.createSymbolicLink(atPath: s.dir.path("inside.tess"), withDestinationPath: s.dir.path("page.tess"))
        let rel = "..%2F" + outside.url.lastPathComponent + "%2Fsecret"
        let attempts = [
            rel, "..%2F..%2Fetc%2Fpasswd", "%2E%2E%2Fx", "sub%2F..%2F..%2Fx", "%2F" + outside.url.path.dropFirst().replacingOccurrences(of: "/", with: "%2F") + "%2Fsecret",
            "link", "linkdir%2Fsecret", "page%00", "page%00.png", "sub%5C..%5Cpage", ".%2Fpage", "sub%2F%2Fdeeper%2Fpage-vq",
            String(repeating: "a", count: 2000), "%2e%2e", "sub%2F.hidden", "page.tess", "%ZZ",
        ]
        for id in attempts {
            for path in ["/iiif/3/\(id)/info.json", "/iiif/3/\(id)/full/max/0/default.jpg", "/dzi/\(id).dzi", "/view/\(id)"] {
                let r = s.get(path)
                XCTAssertTrue([400, 404].contains(r.status), "\(path) answered \(r.status)")
                XCTAssertFalse(r.body.starts(with: [0xFF, 0xD8]), "\(path) sent an image")
            }
        }
        XCTAssertEqual(s.get("/iiif/3/inside/info.json").status, 200, "a symlink inside the folder is served")
        XCTAssertEqual(s.get("/iiif/3/a/b/full/max/0/default.jpg").status, 404, "an unescaped slash")
        XCTAssertEqual(s.get("/static/leaflet/../../../etc/passwd").status, 404)
        XCTAssertEqual(s.get("/static/leaflet/..%2F..%2Fetc%2Fpasswd").status, 404)
        let listed = s.service.catalog.list().map(\.identifier)
        XCTAssertEqual(listed, ["inside", "page", "sub/deeper/page-vq"], "links out of the folder are not listed")
    }

    /// A damaged tile is a 500 for the requests that need it; every other request, and the
    /// server, go on. A damaged file is a 500 for its requests alone.
    func testDamagedFiles() throws {
        let s = try ServedImages(cacheBytes: 0)
        let good = s.dir.path("page.tess")
        let reader = try TessReader(source: FileRandomAccess(path: good), path: good)
        let entry = reader.index.entries[0]
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        bytes[Int(entry.offset) + 20] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: s.dir.path("damaged.tess")))
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: s.dir.path("truncated.tess")))
        let bad = s.get("/iiif/3/damaged/0,0,256,256/max/0/default.jpg")
        XCTAssertEqual(bad.status, 500)
        XCTAssertTrue(String(decoding: bad.body, as: UTF8.self).contains("damaged"), String(decoding: bad.body, as: UTF8.self))
        XCTAssertEqual(s.get("/iiif/3/damaged/2048,2048,256,256/max/0/default.jpg").status, 200, "other tiles still serve")
        XCTAssertEqual(s.get("/iiif/3/truncated/info.json").status, 500)
        XCTAssertEqual(s.get("/iiif/3/page/0,0,256,256/max/0/default.jpg").status, 200)
        XCTAssertTrue(s.get("/metrics").body.count > 0)
        let metrics = String(decoding: s.get("/metrics").body, as: UTF8.self)
        XCTAssertTrue(metrics.contains("tessera_damaged_tiles_total 2"), metrics)
        XCTAssertTrue(metrics.contains("tessera_requests_total{kind=\"iiif-image\",status=\"500\"} 1"), metrics)
        let index = String(decoding: s.get("/").body, as: UTF8.self)
        XCTAssertTrue(index.contains("truncated") && index.contains("cannot be read"))
    }

    /// Many requests at once from several threads: every answer right, the cache consistent.
    func testConcurrentRequests() throws {
        let s = try ServedImages(cacheBytes: 1 << 20)
        let paths = (0..<40).map { i in "/dzi/page_files/\(10 + i % 3)/\(i % 3)_\(i % 2).png" }
        let reference = paths.map { s.get($0).body }
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for k in 0..<60 {
                let i = (k * 7 + t * 13) % paths.count
                let r = s.get(paths[i])
                if r.status != 200 || r.body != reference[i] { failures.withLock { $0 += 1 } }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
        XCTAssertLessThanOrEqual(s.service.cache.bytes, 1 << 20)
    }

    func testPagesAndHealth() throws {
        let s = try ServedImages()
        XCTAssertEqual(String(decoding: s.get("/healthz").body, as: UTF8.self), "ok\n")
        let index = String(decoding: s.get("/").body, as: UTF8.self)
        XCTAssertTrue(index.contains("/view/sub%2Fdeeper%2Fpage-vq"))
        XCTAssertTrue(index.contains("2560 × 3300"))
        let viewer = s.get("/view/page")
        XCTAssertEqual(viewer.status, 200)
        let html = String(decoding: viewer.body, as: UTF8.self)
        XCTAssertTrue(html.contains("/static/leaflet/leaflet.js") && html.contains("\"maxLevel\":12"))
        XCTAssertEqual(s.get("/nothing").status, 404)
        XCTAssertEqual(s.get("/view/nothing").status, 404)
        if FileManager.default.fileExists(atPath: "/usr/share/javascript/leaflet/leaflet.js") {
            XCTAssertEqual(s.get("/static/leaflet/leaflet.js").status, 200)
        } else {
            print("libjs-leaflet not installed: /static/leaflet not checked")
        }
    }

    /// 8-bit samples of `a` equal those of `b` taken to 8 bits as the server does (1-bit and
    /// 16-bit images give 8-bit responses).
    static func sameEightBit(_ a: PixelBuffer, _ b: PixelBuffer) -> Bool {
        guard a.width == b.width, a.height == b.height, a.format.channels == b.format.channels else { return false }
        for y in 0..<a.height {
            for x in 0..<a.width {
                for c in 0..<a.format.channels where a.sample(x: x, y: y, channel: c) != eight(b, x: x, y: y, channel: c) {
                    return false
                }
            }
        }
        return true
    }

    static func eight(_ p: PixelBuffer, x: Int, y: Int, channel c: Int) -> Int {
        let v = p.sample(x: x, y: y, channel: c)
        let d = p.format.bitDepth
        if d == 8 { return v }
        if d > 8 { return (v * 255 + 32767) / 65535 }
        return v * 255 / ((1 << d) - 1)
    }
}

import Synchronization

extension TileServiceTests {
    /// JSON, XML and HTML are gzip-compressed for clients that accept it; images are not.
    func testTextIsCompressed() throws {
        let s = try ServedImages()
        let plain = s.get("/iiif/3/page/info.json")
        let gz = s.get("/iiif/3/page/info.json", headers: ["Accept-Encoding": "br, gzip;q=0.8"])
        XCTAssertEqual(gz.header("Content-Encoding"), "gzip")
        XCTAssertLessThan(gz.body.count, plain.body.count)
        XCTAssertEqual(Array(gz.body.prefix(2)), [0x1F, 0x8B])
        XCTAssertNotEqual(gz.header("ETag"), plain.header("ETag"))
        XCTAssertEqual(s.get("/iiif/3/page/info.json", headers: ["If-None-Match": gz.header("ETag")!]).status, 304)
        XCTAssertEqual(s.get("/", headers: ["Accept-Encoding": "gzip"]).header("Content-Encoding"), "gzip")
        XCTAssertNil(s.get("/iiif/3/page/full/100,/0/default.jpg", headers: ["Accept-Encoding": "gzip"]).header("Content-Encoding"))
        // What gunzip makes of it is the plain body.
        let path = s.dir.path("info.json.gz")
        try Data(gz.body).write(to: URL(fileURLWithPath: path))
        let run = try LiveServerTests.run("/bin/gzip", ["-dc", path])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.output, String(decoding: plain.body, as: UTF8.self))
    }
}

extension TileServiceTests {
    /// The decoded-tile cache is used (hits), stays within its bound, and views made through
    /// it equal views made without it.
    func testDecodedTileCache() throws {
        let s = try ServedImages(cacheBytes: 4 << 20)
        let tiles = try XCTUnwrap(s.service.catalog.tileCache)
        for size in ["512,", "500,", "256,", "250,"] {
            XCTAssertEqual(s.get("/iiif/3/sub%2Fdeeper%2Fpage-vq/0,0,2048,2048/\(size)/0/default.png").status, 200)
            XCTAssertEqual(s.get("/iiif/3/page/0,0,1024,1024/\(size)/0/default.png").status, 200)
        }
        XCTAssertGreaterThan(tiles.hits, 0)
        XCTAssertLessThanOrEqual(tiles.bytes, tiles.capacity)
        let metrics = String(decoding: s.get("/metrics").body, as: UTF8.self)
        XCTAssertTrue(metrics.contains("tessera_tile_cache_hits "), metrics)
        // Many more tiles than fit: the bound holds.
        for i in 0..<40 {
            _ = s.get("/iiif/3/page/\(i % 10 * 256),\(i / 10 * 256),256,256/max/0/default.png")
        }
        XCTAssertLessThanOrEqual(tiles.bytes, tiles.capacity)
    }
}

extension TileServiceTests {
    /// Large reduced views are made in strips with exactly the pixels of the whole view.
    func testStripViewsEqualWholeViews() throws {
        let s = try ServedImages(kodak: true)
        var files = [s.root + "/page.tess", s.root + "/sub/deeper/page-vq.tess"]
        if Corpus.isPresent { files.append(s.root + "/kodim23.tess") }
        for file in files {
            let image = try TessImage(path: file)
            let w = image.header.width, h = image.header.height
            for (ow, oh) in [(w / 2, h / 2), (w / 3, h / 3), (w * 2 / 5, h * 2 / 5), (w / 2 - 1, h / 2 - 1)] {
                let whole = try image.view(x: 0, y: 0, width: w, height: h, outputWidth: ow, outputHeight: oh)
                let strips = try ImageRenderer.reducedView(
                    image, x: 0, y: 0, width: w, height: h, outputWidth: ow, outputHeight: oh, stripAbove: 4096)
                XCTAssertEqual(strips, whole, "\(file) \(ow)x\(oh)")
            }
            let region = try ImageRenderer.reducedView(
                image, x: 10, y: 30, width: 500, height: 400, outputWidth: 125, outputHeight: 100, stripAbove: 1000)
            XCTAssertEqual(region, try image.view(x: 10, y: 30, width: 500, height: 400, outputWidth: 125, outputHeight: 100))
        }
    }
}
