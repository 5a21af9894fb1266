import Foundation
import TesseraCodecs
import TesseraPipeline
import Yams

/// A named pipeline preset: a YAML file in `pipelines/` that sets how images are compressed
/// (tile and patch size, codebook algorithm and size, sampling, quality mode, threads) and how
/// a watch folder runs. Every key is optional; what a preset leaves out keeps the built-in
/// default, and a command-line option overrides the preset. `pipelines/README.md` lists the keys.
public struct Preset: Sendable, Equatable {
    /// The name (file name without `.yaml`).
    public var name: String
    /// The file it was read from.
    public var path: String
    public var summary: String?
    public var tileSize: Int?
    public var patchSize: Int?
    /// Lossy 8-bit colour as Y, Cb, Cr or as R, G, B (the key `colour`).
    public var color: LossyColor?
    public var algorithm: VQOptions.Algorithm?
    public var codewords: Int?
    /// Entropy-constrained assignment weight (0: plain nearest codeword).
    public var rateWeight: Double?
    public var maxIterations: Int?
    public var seed: UInt64?
    public var samples: Int?
    public var samplingPixels: Int?
    public var modelTiles: Int?
    public var quality: QualityMode?
    public var threads: Int?
    /// Store resolution levels (false: none, as `--no-levels`).
    public var levels: Bool?
    /// Files a watch folder compresses at once.
    public var workers: Int?

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// The options this preset sets, on top of `base`. The coding mode is the preset's
    /// `quality` if it has one, else the base's; the codebook settings apply when the mode is
    /// `vq`. Fails when the result is inconsistent (say, fewer samples than codewords).
    public func applied(to base: CompressOptions) throws(CompressOptionsError) -> CompressOptions {
        var o = base
        if let tileSize { o.tileSize = tileSize }
        if let color { o.color = color }
        if let seed { o.seed = seed }
        if let samplingPixels { o.samplingPixels = samplingPixels }
        if let modelTiles { o.modelTiles = modelTiles }
        if let threads { o.threads = threads }
        if let levels { o.levels = levels }
        var vq = VQOptions()
        if case .vq(let v) = base.mode { vq = v }
        vq = try vq.updating(
            codewords: codewords, patchSize: patchSize, algorithm: algorithm, samples: samples,
            maxIterations: maxIterations, rateWeight: rateWeight)
        switch quality {
        case nil:
            if case .vq = base.mode { o.mode = .vq(vq) }
        case .lossy: o.mode = .vq(vq)
        case .nearLossless(let e): o.mode = try .residual(maxError: e)
        case .lossless: o.mode = .lossless
        case .transform(let step): o.mode = try .transform(step: step)
        }
        return o
    }

    // MARK: Finding and loading

    /// Folders searched for a preset given by name, in order: `$TESSERA_PIPELINES`, `./pipelines`,
    /// then a `pipelines` folder beside the executable or up to four folders above it (a build
    /// folder inside the source tree), then `/usr/local/share/tessera/pipelines`.
    public static func searchFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var folders: [String] = []
        if let env = environment["TESSERA_PIPELINES"], !env.isEmpty { folders.append(env) }
        folders.append(FileManager.default.currentDirectoryPath + "/pipelines")
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            folders.append(dir.path + "/pipelines")
            folders.append(dir.path + "/share/tessera/pipelines")
            dir.deleteLastPathComponent()
        }
        folders.append("/usr/local/share/tessera/pipelines")
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }

    /// Loads `nameOrPath`: a path when it contains `/` or ends in `.yaml`/`.yml`, else a name
    /// looked up in `folders`.
    public static func load(_ nameOrPath: String, folders: [String] = searchFolders()) throws(PresetError) -> Preset {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
        if isPath { return try load(path: nameOrPath) }
        guard nameOrPath.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), !nameOrPath.isEmpty
        else {
            throw PresetError(path: nameOrPath, problem: "a preset name has only letters, digits, - and _")
        }
        for folder in folders {
            let candidate = folder + "/" + nameOrPath + ".yaml"
            if FileManager.default.fileExists(atPath: candidate) { return try load(path: candidate) }
        }
        let known = Set(folders.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] })
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        throw PresetError(
            path: nameOrPath,
            problem: "no such preset"
                + (known.isEmpty ? " (no pipelines folder found)" : "; known presets: \(known.joined(separator: ", "))"))
    }

    /// Reads and checks the preset file at `path`.
    public static func load(path: String) throws(PresetError) -> Preset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PresetError(path: path, problem: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        guard data.count <= 1 << 20 else { throw PresetError(path: path, problem: "larger than 1 MiB: not a preset") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PresetError(path: path, problem: "not UTF-8 text")
        }
        var name = URL(fileURLWithPath: path).lastPathComponent
        for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
        return try parse(text, name: name, path: path)
    }

    /// Parses preset text; `path` names it in errors.
    public static func parse(_ text: String, name: String, path: String) throws(PresetError) -> Preset {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw PresetError(path: path, line: Self.line(of: error), problem: "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw PresetError(path: path, problem: "not valid YAML: \(error)")
        }
        var preset = Preset(name: name, path: path)
        guard let root else { return preset }  // An empty file sets nothing.
        var reader = PresetReader(path: path)
        try reader.read(root, into: &preset)
        return preset
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem.split(whereSeparator: \.isNewline).joined(separator: " ")
        default:
            return "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
        }
    }
}
