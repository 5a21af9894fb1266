import Foundation
import TesseraCoding
import TestSupport
import XCTest

/// A real index map from `fixtures/indexmaps/` (see fixtures/README.md).
struct IndexMapFixture {
    let name: String
    let alphabetSize: Int
    let order: String
    let map: IndexMap

    static let names = [
        "lucasta_k256_kmeans", "lucasta_k256_som", "lucasta_k1024_kmeans", "lucasta_k1024_som",
        "kodim23_k256_kmeans", "kodim23_k256_som", "kodim23_k1024_kmeans", "kodim23_k1024_som",
        "feyn_k256_kmeans",
    ]

    static func load(_ name: String) throws -> IndexMapFixture {
        let base = Fixtures.path("indexmaps/\(name)")
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json")))
        let dict = try XCTUnwrap(meta as? [String: Any], "\(name).json is not an object")
        let w = try XCTUnwrap(dict["width"] as? Int)
        let h = try XCTUnwrap(dict["height"] as? Int)
        let k = try XCTUnwrap(dict["alphabetSize"] as? Int)
        let raw = try Data(contentsOf: URL(fileURLWithPath: base + ".u16"))
        XCTAssertEqual(raw.count, w * h * 2, "\(name).u16 size")
        let indices = raw.withUnsafeBytes { b in
            (0..<(w * h)).map { UInt16(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
        }
        return IndexMapFixture(name: name, alphabetSize: k, order: dict["order"] as? String ?? "",
                               map: IndexMap(width: w, height: h, indices: indices))
    }

    static func all() throws -> [IndexMapFixture] { try names.map(load) }

    /// The map cut into tiles of `size` × `size` indices (smaller at the right and bottom edges).
    func tiles(size: Int = 64) -> [IndexMap] {
        var out: [IndexMap] = []
        for ty in stride(from: 0, to: map.height, by: size) {
            for tx in stride(from: 0, to: map.width, by: size) {
                out.append(crop(x: tx, y: ty, width: min(size, map.width - tx), height: min(size, map.height - ty)))
            }
        }
        return out
    }

    func crop(x: Int, y: Int, width: Int, height: Int) -> IndexMap {
        var idx: [UInt16] = []
        for row in y..<(y + height) {
            idx.append(contentsOf: map.indices[(row * map.width + x)..<(row * map.width + x + width)])
        }
        return IndexMap(width: width, height: height, indices: idx)
    }
}

extension IndexMapModel {
    /// Decodes into a fresh array (test convenience).
    func decoded(_ bytes: [UInt8], width: Int, height: Int) throws -> [UInt16] {
        var out = [UInt16](repeating: 0, count: width * height)
        try out.withUnsafeMutableBufferPointer { try decode(bytes, width: width, height: height, into: $0) }
        return out
    }
}
