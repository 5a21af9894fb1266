@testable import TesseraCoding
import XCTest

final class IndexMapModelTests: XCTestCase {
    private let structures: [IndexMapModel.Structure] = [
        .order0, .escapes, .escapesAndEquality, .classes(left: 4, above: 1), .classes(left: 8, above: 4),
    ]

    /// Every structure, every real fixture (K = 256 and 1024, K-means and SOM order), tiles
    /// including edge tiles: exact round trip, with a model that went through its bytes.
    func testRoundTripOnRealMapsForEveryStructure() throws {
        for fixture in try IndexMapFixture.all() {
            let tiles = fixture.tiles()
            for structure in structures {
                let trained = try IndexMapModel.train(
                    maps: tiles, alphabetSize: fixture.alphabetSize, options: .init(structure: structure))
                XCTAssertEqual(trained.structure, structure)
                let model = try IndexMapModel(parsing: trained.serialized())
                XCTAssertEqual(model.serialized(), trained.serialized())
                for t in tiles {
                    let bytes = try trained.encode(map: t.indices, width: t.width, height: t.height)
                    let back = try model.decoded(bytes, width: t.width, height: t.height)
                    XCTAssertEqual(back, t.indices, "\(fixture.name) \(structure) \(t.width)×\(t.height)")
                }
            }
        }
    }

    func testAutomaticChoiceBeatsOrder0AndRoundTrips() throws {
        for name in ["feyn_k256_kmeans", "kodim23_k1024_som"] {
            let fixture = try IndexMapFixture.load(name)
            let tiles = fixture.tiles()
            var reports: [IndexMapModel.CandidateReport] = []
            let model = try IndexMapModel.train(
                maps: tiles, alphabetSize: fixture.alphabetSize,
                options: .init(codedIndexCount: 100 * fixture.map.indices.count), report: { reports.append($0) })
            XCTAssertEqual(reports.count, IndexMapModel.Structure.candidates.count * IndexMapTrainingOptions().pruneCandidates.count)
            let order0 = try IndexMapModel.train(maps: tiles, alphabetSize: fixture.alphabetSize, options: .init(structure: .order0))
            var size = 0, size0 = 0
            for t in tiles {
                let bytes = try model.encode(map: t.indices, width: t.width, height: t.height)
                XCTAssertEqual(try model.decoded(bytes, width: t.width, height: t.height), t.indices)
                size += bytes.count
                size0 += try order0.encode(map: t.indices, width: t.width, height: t.height).count
            }
            XCTAssertLessThan(size, size0, "\(name): chosen \(model.structure) should beat order-0")
        }
    }

    /// A model trained on other maps meets indices it never saw: they go through the escape.
    func testOutOfSampleMapsRoundTrip() throws {
        let photo = try IndexMapFixture.load("kodim23_k256_kmeans")
        let page = try IndexMapFixture.load("lucasta_k256_kmeans")
        let model = try IndexMapModel.train(maps: page.tiles(), alphabetSize: 256,
                                            options: .init(structure: .classes(left: 8, above: 4)))
        for t in photo.tiles() {
            let bytes = try model.encode(map: t.indices, width: t.width, height: t.height)
            XCTAssertEqual(try model.decoded(bytes, width: t.width, height: t.height), t.indices)
        }
    }

    func testEdgeCases() throws {
        let fixture = try IndexMapFixture.load("lucasta_k256_som")
        let model = try IndexMapModel.train(maps: fixture.tiles(), alphabetSize: 256, options: .init(structure: .classes(left: 4, above: 4)))
        // 1×1, one row, one column, and a blank-paper map of one repeated index.
        // Blank paper: the page's most frequent index.
        var counts = [Int](repeating: 0, count: 256)
        for v in fixture.map.indices { counts[Int(v)] += 1 }
        let blank = UInt16(counts.indices.max { counts[$0] < counts[$1] } ?? 0)
        let cases: [IndexMap] = [
            IndexMap(width: 1, height: 1, indices: [fixture.map.indices[500]]),
            fixture.crop(x: 3, y: 40, width: 64, height: 1),
            fixture.crop(x: 70, y: 2, width: 1, height: 64),
            fixture.crop(x: 0, y: 0, width: 2, height: 3),
            IndexMap(width: 64, height: 64, indices: [UInt16](repeating: blank, count: 4096)),
        ]
        for m in cases {
            let bytes = try model.encode(map: m.indices, width: m.width, height: m.height)
            XCTAssertEqual(try model.decoded(bytes, width: m.width, height: m.height), m.indices, "\(m.width)×\(m.height)")
        }
        let flat = try model.encode(map: cases[4].indices, width: 64, height: 64)
        XCTAssertLessThan(flat.count, 40, "a blank 64×64 tile should cost a few bytes, not \(flat.count)")
        // Geometry and range errors are typed, not crashes.
        XCTAssertThrowsError(try model.encode(map: [300], width: 1, height: 1)) {
            XCTAssertEqual($0 as? EntropyCodingError, .symbolOutOfRange(value: 300, alphabetSize: 256))
        }
        XCTAssertThrowsError(try model.encode(map: [1, 2], width: 2, height: 2))
        XCTAssertThrowsError(try model.encode(map: [], width: 0, height: 0))
        XCTAssertThrowsError(try model.decoded([], width: 4, height: 4))
    }

    /// Alphabets of 16 and 4096 built from real maps: the SOM map coarsened to 16 classes,
    /// and the K = 1024 map spread over 4096 with the extremes present.
    func testSmallestAndLargestAlphabets() throws {
        let som = try IndexMapFixture.load("lucasta_k1024_som")
        let coarse = som.map.indices.map { $0 >> 6 }  // 32×32 SOM grid → 4×4 blocks... as 16 row bands
        let small = IndexMap(width: som.map.width, height: som.map.height, indices: coarse)
        var spread = som.map.indices.map { $0 * 4 + ($0 & 3) }
        spread[0] = 4095
        spread[spread.count - 1] = 0
        let large = IndexMap(width: som.map.width, height: som.map.height, indices: spread)
        for (map, k) in [(small, 16), (large, 4096)] {
            for structure in [IndexMapModel.Structure.order0, .classes(left: 4, above: 4), nil] {
                let model = try IndexMapModel.train(maps: [map], alphabetSize: k,
                                                    options: .init(structure: structure, pruneCandidates: [0, 2]))
                let parsed = try IndexMapModel(parsing: model.serialized())
                let bytes = try model.encode(map: map.indices, width: map.width, height: map.height)
                XCTAssertEqual(try parsed.decoded(bytes, width: map.width, height: map.height), map.indices, "K = \(k)")
            }
        }
        // An index never seen in training, at the very top of a 4096 alphabet.
        let model = try IndexMapModel.train(maps: [small], alphabetSize: 4096, options: .init(structure: .escapes))
        var m = small.indices
        m[17] = 4095
        let bytes = try model.encode(map: m, width: small.width, height: small.height)
        XCTAssertEqual(try model.decoded(bytes, width: small.width, height: small.height), m)
    }

    func testRejectsMalformedModels() throws {
        let fixture = try IndexMapFixture.load("kodim23_k256_som")
        let good = try IndexMapModel.train(maps: fixture.tiles(), alphabetSize: 256,
                                           options: .init(structure: .classes(left: 4, above: 2))).serialized()
        XCTAssertNoThrow(try IndexMapModel(parsing: good))
        func rejects(_ bytes: [UInt8], _ why: String) {
            XCTAssertThrowsError(try IndexMapModel(parsing: bytes), why)
        }
        var b = good; b[0] = 2; rejects(b, "unknown version")
        b = good; b[1] |= 0x80; rejects(b, "reserved flag")
        b = good; b[4] = 0; rejects(b, "zero lanes")
        b = good; b[4] = 9; rejects(b, "too many lanes")
        b = good; b[5] = 17; rejects(b, "too many classes")
        rejects(Array(good.dropLast()), "truncated")
        rejects(good + [0], "trailing byte")
        rejects([], "empty")
        // K = 4096 with 8 × 16 × 16 contexts would need 8.4M table cells: refused before allocating.
        rejects([1, 3, 0x80, 0x20, 4, 16, 16], "too many contexts")
    }

    /// Damaged streams: random flips, truncations, garbage. Never a crash, never an index ≥ K,
    /// and most damage is reported.
    func testDamagedStreamsNeverCrashOrLeaveTheAlphabet() throws {
        var rng = SplitMix64(seed: 42)
        for name in ["lucasta_k256_kmeans", "kodim23_k1024_som"] {
            let fixture = try IndexMapFixture.load(name)
            let k = fixture.alphabetSize
            let model = try IndexMapModel.train(maps: fixture.tiles(), alphabetSize: k, options: .init(structure: .classes(left: 4, above: 4)))
            let tile = fixture.crop(x: 8, y: 8, width: 40, height: 32)
            let bytes = try model.encode(map: tile.indices, width: tile.width, height: tile.height)
            var out = [UInt16](repeating: 0, count: tile.indices.count)
            var reported = 0
            let trials = 1500
            for trial in 0..<trials {
                var damaged = bytes
                switch trial % 4 {
                case 0: damaged[Int(rng.next() % UInt64(damaged.count))] ^= UInt8(1 << (rng.next() % 8))
                case 1: damaged = Array(damaged.prefix(Int(rng.next() % UInt64(damaged.count))))
                case 2: for _ in 0..<4 { damaged[Int(rng.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                default: damaged = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
                do {
                    try out.withUnsafeMutableBufferPointer {
                        try model.decode(damaged, width: tile.width, height: tile.height, into: $0)
                    }
                } catch is EntropyCodingError {
                    reported += 1
                }
                XCTAssertTrue(out.allSatisfy { Int($0) < k }, "\(name) trial \(trial): index out of range")
            }
            XCTAssertGreaterThan(reported, trials * 3 / 4, "\(name): most damage should be reported")
        }
    }

    /// Damaged model bytes either fail to parse or give a model that decodes without crashing.
    func testDamagedModelsAreRejectedOrHarmless() throws {
        var rng = SplitMix64(seed: 7)
        let fixture = try IndexMapFixture.load("lucasta_k256_som")
        let tile = fixture.crop(x: 0, y: 0, width: 24, height: 24)
        let model = try IndexMapModel.train(maps: fixture.tiles(), alphabetSize: 256, options: .init(structure: .classes(left: 4, above: 2)))
        let good = model.serialized()
        let stream = try model.encode(map: tile.indices, width: 24, height: 24)
        var out = [UInt16](repeating: 0, count: 24 * 24)
        for _ in 0..<400 {
            var bad = good
            for _ in 0..<(1 + Int(rng.next() % 3)) { bad[Int(rng.next() % UInt64(bad.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            guard let parsed = try? IndexMapModel(parsing: bad) else { continue }
            _ = try? out.withUnsafeMutableBufferPointer { try parsed.decode(stream, width: 24, height: 24, into: $0) }
            XCTAssertTrue(out.allSatisfy { Int($0) < parsed.alphabetSize })
        }
    }

    /// Candidates weighed on several threads give the same model, byte for byte, and the
    /// same reports in the same order as on one; the size of the decoding tables that
    /// candidates are judged by (computed without building them) is what the chosen model builds.
    func testTrainingIsTheSameOnAnyThreadCount() throws {
        for name in ["feyn_k256_kmeans", "kodim23_k1024_som"] {
            let fixture = try IndexMapFixture.load(name)
            let tiles = fixture.tiles()
            var results: [(model: IndexMapModel, reports: [IndexMapModel.CandidateReport])] = []
            for threads in [1, 3] {
                var reports: [IndexMapModel.CandidateReport] = []
                let model = try IndexMapModel.train(
                    maps: tiles, alphabetSize: fixture.alphabetSize,
                    options: .init(codedIndexCount: 50 * fixture.map.indices.count, threads: threads),
                    report: { reports.append($0) })
                results.append((model, reports))
            }
            XCTAssertEqual(results[0].model.serialized(), results[1].model.serialized(), name)
            XCTAssertEqual(results[0].reports.count, results[1].reports.count, name)
            for (a, b) in zip(results[0].reports, results[1].reports) {
                XCTAssertEqual(a.structure, b.structure, name)
                XCTAssertEqual(a.prunedBelow, b.prunedBelow, name)
                XCTAssertEqual(a.dataBits, b.dataBits, name)
                XCTAssertEqual(a.modelBytes, b.modelBytes, name)
                XCTAssertEqual(a.decodingTableBytes, b.decodingTableBytes, name)
            }
            let model = results[1].model
            XCTAssertEqual(model.decodingTableBytes, model.tableSet.slots.count * 8 + model.tableSet.info.count * 12)
            XCTAssertFalse(model.tableSet.slots.isEmpty, "the chosen model carries its coding tables")
            let t = tiles[tiles.count / 2]
            let bytes = try model.encode(map: t.indices, width: t.width, height: t.height)
            XCTAssertEqual(try model.decoded(bytes, width: t.width, height: t.height), t.indices, name)
        }
    }
}

/// A small deterministic generator for fuzzing (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
