import XCTest

@testable import TesseraServer

/// IIIF Image API 3.0 request parsing and resolution, table-driven: every accepted form and
/// the malformed ones, each with the status the spec (or the validator) expects.
final class IIIFParsingTests: XCTestCase {
    let limits = IIIFLimits(imageWidth: 1000, imageHeight: 800, maxArea: 1_000_000)

    func resolve(_ region: String, _ size: String, _ rotation: String = "0", _ qf: String = "default.jpg") throws(ServeError)
        -> RenderRequest
    {
        try IIIFRequest(
            region: Substring(region), size: Substring(size), rotation: Substring(rotation),
            qualityAndFormat: Substring(qf)
        ).resolve(width: 1000, height: 800, limits: limits)
    }

    func testRegions() throws {
        let cases: [(String, (Int, Int, Int, Int))] = [
            ("full", (0, 0, 1000, 800)),
            ("square", (100, 0, 800, 800)),
            ("0,0,10,20", (0, 0, 10, 20)),
            ("990,790,100,100", (990, 790, 10, 10)),  // cropped to the image
            ("pct:0,0,100,100", (0, 0, 1000, 800)),
            ("pct:10,10,50,25", (100, 80, 500, 200)),
            ("pct:10.5,0,.5,100", (105, 0, 5, 800)),
            ("pct:99.99,99.99,50,50", (999, 799, 1, 1)),
        ]
        for (text, want) in cases {
            let r = try resolve(text, "max")
            XCTAssertEqual([r.x, r.y, r.width, r.height], [want.0, want.1, want.2, want.3], text)
        }
    }

    func testSizes() throws {
        // Region 500×200 (pct:10,10,50,25) and the whole 1000×800 image.
        let cases: [(String, String, (Int, Int))] = [
            ("full", "max", (1000, 800)),
            ("full", "500,", (500, 400)),
            ("full", ",400", (500, 400)),
            ("full", "pct:50", (500, 400)),
            ("full", "pct:12.5", (125, 100)),
            ("full", "300,300", (300, 300)),
            ("full", "!300,300", (300, 240)),
            ("full", "!1000,100", (125, 100)),
            ("0,0,500,200", "^1000,", (1000, 400)),
            ("0,0,500,200", "^,400", (1000, 400)),
            ("0,0,500,200", "^pct:200", (1000, 400)),
            ("0,0,500,200", "^!1000,1000", (1000, 400)),
            ("0,0,500,200", "^max", (1000, 400)),  // maxWidth is the image's width
            ("0,0,500,200", "^600,100", (600, 100)),
            ("0,0,500,200", "max", (500, 200)),
            ("0,0,7,3", "2,", (2, 1)),
        ]
        for (region, size, want) in cases {
            let r = try resolve(region, size)
            XCTAssertEqual([r.outputWidth, r.outputHeight], [want.0, want.1], "\(region)/\(size)")
        }
        // `max` of a region larger than maxArea is reduced to it.
        let big = try IIIFRequest(region: "full", size: "max", rotation: "0", qualityAndFormat: "default.jpg")
            .resolve(width: 4000, height: 3000, limits: IIIFLimits(imageWidth: 4000, imageHeight: 3000, maxArea: 1_200_000))
        XCTAssertLessThanOrEqual(big.outputWidth * big.outputHeight, 1_200_000)
        XCTAssertEqual(big.outputWidth, 1264, accuracy: 2)
    }

    func testRotationQualityFormat() throws {
        XCTAssertEqual(try resolve("full", "max", "90").rotation, IIIFRotation(mirror: false, degrees: 90))
        XCTAssertEqual(try resolve("full", "max", "!180").rotation, IIIFRotation(mirror: true, degrees: 180))
        XCTAssertEqual(try resolve("full", "max", "360").rotation, IIIFRotation(mirror: false, degrees: 0))
        XCTAssertEqual(try resolve("full", "max", "270.0").rotation.degrees, 270)
        XCTAssertEqual(try resolve("full", "max", "0", "gray.png").quality, .gray)
        XCTAssertEqual(try resolve("full", "max", "0", "bitonal.png").format, .png)
        XCTAssertEqual(try resolve("full", "max", "0", "color.jpg").quality, .color)
    }

    /// Every malformed form, with its status: 400 for syntax and out-of-range values, 415 for
    /// formats not served.
    func testMalformedRequests() {
        let cases: [(region: String, size: String, rotation: String, qf: String, status: Int)] = [
            ("fulll", "max", "0", "default.jpg", 400),
            ("0,0,10", "max", "0", "default.jpg", 400),
            ("0,0,10,10,10", "max", "0", "default.jpg", 400),
            ("0,0,0,10", "max", "0", "default.jpg", 400),
            ("0,0,10,0", "max", "0", "default.jpg", 400),
            ("-1,0,10,10", "max", "0", "default.jpg", 400),
            ("+1,0,10,10", "max", "0", "default.jpg", 400),
            ("1e2,0,10,10", "max", "0", "default.jpg", 400),
            ("1.5,0,10,10", "max", "0", "default.jpg", 400),
            (" 1,0,10,10", "max", "0", "default.jpg", 400),
            ("1000,0,10,10", "max", "0", "default.jpg", 400),  // wholly outside
            ("0,800,10,10", "max", "0", "default.jpg", 400),
            ("pct:100,0,10,10", "max", "0", "default.jpg", 400),
            ("pct:0,0,0,10", "max", "0", "default.jpg", 400),
            ("pct:0,0,10", "max", "0", "default.jpg", 400),
            ("pct:a,0,10,10", "max", "0", "default.jpg", 400),
            ("pct:1..2,0,10,10", "max", "0", "default.jpg", 400),
            ("99999999999999999,0,10,10", "max", "0", "default.jpg", 400),
            ("full", "full", "0", "default.jpg", 400),  // 2.x's "full" is not 3.0
            ("full", "maxx", "0", "default.jpg", 400),
            ("full", "0,", "0", "default.jpg", 400),
            ("full", ",0", "0", "default.jpg", 400),
            ("full", "0,0", "0", "default.jpg", 400),
            ("full", ",", "0", "default.jpg", 400),
            ("full", "!100,", "0", "default.jpg", 400),
            ("full", "!,100", "0", "default.jpg", 400),
            ("full", "pct:0", "0", "default.jpg", 400),
            ("full", "pct:", "0", "default.jpg", 400),
            ("full", "pct:-5", "0", "default.jpg", 400),
            ("full", "1001,", "0", "default.jpg", 400),  // upscaling without ^
            ("full", ",801", "0", "default.jpg", 400),
            ("full", "pct:101", "0", "default.jpg", 400),
            ("full", "1000,801", "0", "default.jpg", 400),
            ("full", "!2000,3000", "0", "default.jpg", 400),  // as the validator's size_noup wants
            ("full", "^1200,", "0", "default.jpg", 400),  // beyond maxWidth
            ("full", "^pct:200", "0", "default.jpg", 400),
            ("full", "^^max", "0", "default.jpg", 400),
            ("full", "10,20,30", "0", "default.jpg", 400),
            ("full", "a,", "0", "default.jpg", 400),
            ("full", "max", "45", "default.jpg", 400),  // arbitrary angles are not supported
            ("full", "max", "361", "default.jpg", 400),
            ("full", "max", "-90", "default.jpg", 400),
            ("full", "max", "!!90", "default.jpg", 400),
            ("full", "max", "abc", "default.jpg", 400),
            ("full", "max", "", "default.jpg", 400),
            ("full", "max", "0", "defaultjpg", 400),
            ("full", "max", "0", "grey.jpg", 400),
            ("full", "max", "0", ".jpg", 400),
            ("full", "max", "0", "default.", 415),
            ("full", "max", "0", "default.gif", 415),
            ("full", "max", "0", "default.tif", 415),
            ("full", "max", "0", "default.JPG", 415),
        ]
        for c in cases {
            do {
                let r = try resolve(c.region, c.size, c.rotation, c.qf)
                XCTFail("\(c.region)/\(c.size)/\(c.rotation)/\(c.qf) was accepted: \(r)")
            } catch {
                XCTAssertEqual(error.status, c.status, "\(c.region)/\(c.size)/\(c.rotation)/\(c.qf): \(error.message)")
                XCTAssertFalse(error.message.isEmpty)
                XCTAssertFalse(error.message.contains("\n"))
            }
        }
    }

    func testCanonicalForm() throws {
        XCTAssertEqual(try resolve("full", "max").canonicalPath(imageWidth: 1000, imageHeight: 800), "full/max/0/default.jpg")
        XCTAssertEqual(
            try resolve("pct:0,0,100,100", "500,", "!90", "gray.png").canonicalPath(imageWidth: 1000, imageHeight: 800),
            "full/500,400/!90/gray.png")
        XCTAssertEqual(
            try resolve("square", "max").canonicalPath(imageWidth: 1000, imageHeight: 800), "100,0,800,800/800,800/0/default.jpg")
    }

    func testDeepZoomGeometry() throws {
        let dz = DeepZoom(width: 1000, height: 600)
        XCTAssertEqual(dz.maxLevel, 10)
        XCTAssertEqual(dz.levelSize(10).width, 1000)
        XCTAssertEqual(dz.levelSize(9).width, 500)
        XCTAssertEqual(dz.levelSize(0).width, 1)
        XCTAssertEqual(dz.levelSize(0).height, 1)
        XCTAssertEqual(dz.levelSize(7).width, 125)
        XCTAssertEqual(dz.levelSize(7).height, 75)
        let t = try dz.tile(level: 10, column: 3, row: 2, format: .jpg)
        XCTAssertEqual([t.x, t.y, t.width, t.height, t.outputWidth, t.outputHeight], [768, 512, 232, 88, 232, 88])
        let u = try dz.tile(level: 9, column: 1, row: 0, format: .png)
        XCTAssertEqual([u.x, u.y, u.width, u.height, u.outputWidth, u.outputHeight], [512, 0, 488, 512, 244, 256])
        XCTAssertThrowsError(try dz.tile(level: 11, column: 0, row: 0, format: .jpg))
        XCTAssertThrowsError(try dz.tile(level: 10, column: 4, row: 0, format: .jpg))
        XCTAssertEqual((try? dz.tile(level: 9, column: 2, row: 0, format: .jpg))?.x, nil)
    }

    func testPercentEncodingAndHTTPDates() {
        XCTAssertEqual(PercentEncoding.encode("maps/sheet-12"), "maps%2Fsheet-12")
        XCTAssertEqual(PercentEncoding.encode("a b[ü]"), "a%20b%5B%C3%BC%5D")
        XCTAssertEqual(PercentEncoding.decode("maps%2Fsheet%2D12"), "maps/sheet-12")
        XCTAssertNil(PercentEncoding.decode("bad%2"))
        XCTAssertNil(PercentEncoding.decode("bad%zz"))
        XCTAssertNil(PercentEncoding.decode("bad%FF"))  // not UTF-8
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777)
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertNil(HTTPDate.parse("yesterday"))
    }

    func testResponseCacheEvictsLeastRecentlyUsed() {
        let cache = ResponseCache(capacity: 8000)
        for i in 0..<10 { cache.put("k\(i)", [UInt8](repeating: UInt8(i), count: 900)) }
        XCTAssertLessThanOrEqual(cache.bytes, 8000)
        XCTAssertNil(cache.get("k0"))
        XCTAssertEqual(cache.get("k9")?.first, 9)
        _ = cache.get("k2")  // k2 and k3 read: k4 is now the least recently used
        _ = cache.get("k3")
        cache.put("k10", [UInt8](repeating: 10, count: 900))
        XCTAssertNotNil(cache.get("k3"), "a recently read entry stays")
        XCTAssertNil(cache.get("k4"), "the least recently used goes first")
        cache.put("huge", [UInt8](repeating: 1, count: 5000))  // over an eighth of the cache: not kept
        XCTAssertNil(cache.get("huge"))
    }
}
