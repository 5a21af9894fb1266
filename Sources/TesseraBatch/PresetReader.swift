import TesseraCodecs
import TesseraPipeline
import Yams

/// Checks a preset's YAML tree key by key: unknown keys, wrong types and values out of range
/// are errors that name the file, the line and the key, and say what is allowed.
struct PresetReader {
    let path: String

    /// The keys a preset may have, with what each allows (also the text of the errors).
    static let topLevelKeys = [
        "description", "tile", "patch", "colour", "color", "codebook", "sampling", "quality", "threads", "workers",
        "levels",
    ]
    static let codebookKeys = ["algorithm", "codewords", "max_iterations", "seed", "rate_weight"]
    static let samplingKeys = ["samples", "max_pixels", "model_tiles"]
    static let qualityKeys = ["mode", "max_error", "step"]

    mutating func read(_ root: Node, into preset: inout Preset) throws(PresetError) {
        let top = try mapping(root, key: nil, allowed: Self.topLevelKeys)
        for (key, value) in top {
            switch key {
            case "description": preset.summary = try string(value, key: key)
            case "tile":
                let t = try int(value, key: key, in: 16...8192, allowed: "a multiple of 16 from 16 to 8192")
                guard t % 16 == 0 else { throw fail(value, key, "\(t) is not a multiple of 16 (16 to 8192)") }
                preset.tileSize = t
            case "patch":
                let p = try int(value, key: key, in: 2...16, allowed: "2, 4, 8 or 16")
                guard [2, 4, 8, 16].contains(p) else { throw fail(value, key, "\(p) is not allowed: use 2, 4, 8 or 16") }
                preset.patchSize = p
            case "colour", "color":
                let c = try string(value, key: key)
                guard let color = LossyColor(rawValue: c) else {
                    throw fail(value, key, "'\(c)' is not allowed: use ycbcr420, ycbcr or rgb")
                }
                preset.color = color
            case "codebook":
                for (k, v) in try mapping(value, key: key, allowed: Self.codebookKeys) {
                    let full = "codebook.\(k)"
                    switch k {
                    case "algorithm":
                        let s = try string(v, key: full)
                        guard let a = VQOptions.Algorithm(rawValue: s) else {
                            throw fail(v, full, "'\(s)' is not an algorithm: use kmeans or som")
                        }
                        preset.algorithm = a
                    case "codewords": preset.codewords = try int(v, key: full, in: 16...4096, allowed: "16 to 4096")
                    case "max_iterations":
                        preset.maxIterations = try int(v, key: full, in: 1...1000, allowed: "1 to 1000")
                    case "rate_weight":
                        preset.rateWeight = try number(v, key: full, in: 0...4, allowed: "0 (plain nearest codeword) to 4")
                    default:
                        preset.seed = UInt64(try int(v, key: full, in: 0...Int.max, allowed: "a whole number ≥ 0"))
                    }
                }
            case "sampling":
                for (k, v) in try mapping(value, key: key, allowed: Self.samplingKeys) {
                    let full = "sampling.\(k)"
                    switch k {
                    case "samples":
                        preset.samples = try int(v, key: full, in: 1000...100_000_000, allowed: "1000 to 100000000")
                    case "max_pixels":
                        preset.samplingPixels = try int(
                            v, key: full, in: 1_000_000...(1 << 40), allowed: "1000000 to 2^40 pixels")
                    default: preset.modelTiles = try int(v, key: full, in: 1...4096, allowed: "1 to 4096")
                    }
                }
            case "quality":
                let q = try mapping(value, key: key, allowed: Self.qualityKeys)
                let modeNode = q.first { $0.0 == "mode" }?.1
                let errorNode = q.first { $0.0 == "max_error" }?.1
                let stepNode = q.first { $0.0 == "step" }?.1
                let mode = try modeNode.map { n throws(PresetError) in try string(n, key: "quality.mode") } ?? "lossy"
                if let stepNode, mode != "transform" {
                    throw fail(stepNode, "quality.step", "only for mode transform (mode is \(mode))")
                }
                switch mode {
                case "lossy", "lossless":
                    if let errorNode {
                        throw fail(errorNode, "quality.max_error", "only for mode near-lossless (mode is \(mode))")
                    }
                    preset.quality = mode == "lossy" ? .lossy : .lossless
                case "near-lossless":
                    guard let errorNode else {
                        throw fail(value, "quality.max_error", "mode near-lossless needs max_error (1 to 64)")
                    }
                    let e = try int(errorNode, key: "quality.max_error", in: 1...64, allowed: "1 to 64")
                    preset.quality = .nearLossless(maxError: e)
                case "transform":
                    if let errorNode {
                        throw fail(errorNode, "quality.max_error", "only for mode near-lossless (mode is \(mode))")
                    }
                    guard let stepNode else { throw fail(value, "quality.step", "mode transform needs step (1 to 255)") }
                    let step = try number(stepNode, key: "quality.step", in: 1...255, allowed: "1 to 255")
                    preset.quality = .transform(step: step)
                default:
                    throw fail(
                        modeNode ?? value, "quality.mode",
                        "'\(mode)' is not a mode: use lossy, near-lossless, lossless or transform")
                }
            case "levels":
                guard let b = value.scalar?.string, let flag = ["true": true, "false": false][b] else {
                    throw fail(value, key, "expected true or false")
                }
                preset.levels = flag
            case "threads": preset.threads = try int(value, key: key, in: 0...1024, allowed: "0 (every core) to 1024")
            default: preset.workers = try int(value, key: key, in: 1...256, allowed: "1 to 256")
            }
        }
    }

    // MARK: Typed access with errors

    func fail(_ node: Node, _ key: String?, _ problem: String) -> PresetError {
        PresetError(path: path, line: node.mark?.line, key: key, problem: problem)
    }

    func mapping(_ node: Node, key: String?, allowed: [String]) throws(PresetError) -> [(String, Node)] {
        guard let m = node.mapping else {
            throw fail(node, key, "expected a mapping of keys (\(allowed.joined(separator: ", ")))")
        }
        var result: [(String, Node)] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let name = k.scalar?.string else { throw fail(k, key, "a key must be a plain word") }
            let full = key.map { "\($0).\(name)" } ?? name
            guard allowed.contains(name) else {
                throw fail(k, full, "unknown key; allowed here: \(allowed.joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else { throw fail(k, full, "given twice") }
            result.append((name, v))
        }
        return result
    }

    func string(_ node: Node, key: String) throws(PresetError) -> String {
        guard let s = node.scalar else {
            throw fail(node, key, "expected text")
        }
        return s.string
    }

    func number(_ node: Node, key: String, in range: ClosedRange<Double>, allowed: String) throws(PresetError)
        -> Double
    {
        guard let scalar = node.scalar else { throw fail(node, key, "expected a number (\(allowed))") }
        guard let value = Double(scalar.string), scalar.style == .plain, value.isFinite else {
            throw fail(node, key, "'\(scalar.string)' is not a number (\(allowed))")
        }
        guard range.contains(value) else { throw fail(node, key, "\(scalar.string) is out of range (\(allowed))") }
        return value
    }

    func int(_ node: Node, key: String, in range: ClosedRange<Int>, allowed: String) throws(PresetError) -> Int {
        guard let scalar = node.scalar else { throw fail(node, key, "expected a whole number (\(allowed))") }
        guard let value = node.int, scalar.style == .plain else {
            throw fail(node, key, "'\(scalar.string)' is not a whole number (\(allowed))")
        }
        guard range.contains(value) else { throw fail(node, key, "\(value) is out of range (\(allowed))") }
        return value
    }
}
