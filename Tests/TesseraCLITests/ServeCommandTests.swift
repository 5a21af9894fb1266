import Foundation
import TestSupport
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tessera serve` as a user runs it: it prints where it listens, answers, and exits 0 on
/// SIGTERM; bad arguments are one line.
final class ServeCommandTests: XCTestCase {
    func testServeAnswersAndStopsOnSIGTERM() throws {
        let dir = try ScratchDirectory()
        let compress = try CommandRunner.tessera([
            "compress", Fixtures.path("scans/leptonica-pageseg2.tif"), "-o", dir.path("page.tess"), "--lossless",
        ])
        XCTAssertEqual(compress.status, 0, compress.stderr)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandRunner.tesseraPath)
        process.arguments = ["serve", dir.url.path, "--port", "0", "--quiet"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // "tessera serve: 1 image under DIR at http://127.0.0.1:PORT/"
        var line = ""
        let deadline = Date().addingTimeInterval(20)
        while !line.contains("\n"), Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += String(decoding: data, as: UTF8.self)
        }
        XCTAssertTrue(line.hasPrefix("tessera serve: 1 image under "), line)
        let url = try XCTUnwrap(line.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let (status, body) = try Self.get(url + "iiif/3/page/info.json")
        XCTAssertEqual(status, 200)
        XCTAssertTrue(String(decoding: body, as: UTF8.self).contains("\"width\": 2560"))
        let (tileStatus, tile) = try Self.get(url + "dzi/page_files/12/3_4.png")
        XCTAssertEqual(tileStatus, 200)
        XCTAssertEqual(Array(tile.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testServeRefusesBadArguments() throws {
        let missing = try CommandRunner.tessera(["serve", "/nonexistent/folder"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/folder"), missing.stderr)
        let both = try CommandRunner.tessera(["serve", "/tmp", "--remote", "http://example.org"])
        XCTAssertNotEqual(both.status, 0)
        let port = try CommandRunner.tessera(["serve", "/tmp", "--port", "70000"])
        XCTAssertNotEqual(port.status, 0)
        XCTAssertTrue(port.stderr.contains("--port"), port.stderr)
    }

    func testVersionAndCompletions() throws {
        let version = try CommandRunner.tessera(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("tessera ") && version.stdout.contains("reads versions 1 and 2"), version.stdout)
        let bash = try CommandRunner.tessera(["--generate-completion-script", "bash"])
        XCTAssertEqual(bash.status, 0)
        XCTAssertTrue(bash.stdout.contains("serve"), "the completions know the serve command")
    }

    static func get(_ url: String) throws -> (Int, Data) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, Data, (any Error)?) = (0, Data(), nil)
        URLSession.shared.dataTask(with: URL(string: url)!) { data, response, error in
            result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data(), error)
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 20)
        if let e = result.2 { throw e }
        return (result.0, result.1)
    }
}
