import Foundation
import Synchronization
import TesseraFormat
import TesseraPipeline
import TesseraRemote

/// The `.tess` files under a root folder, by identifier (the path under the root without
/// `.tess`). Identifiers never reach outside the root: `..`, `.`, empty or absolute parts,
/// NUL bytes, backslashes and over-long names are refused, and the resolved path (symlinks
/// followed) must still lie under the root. Each file is opened once and shared; a file that
/// changes on disk (a new inode, size or time) is opened again on its next request.
///
/// A remote catalog (`serve --remote BASE-URL`) maps identifier `a/b` to `BASE-URL/a/b.tess`,
/// read by HTTP range requests; an open remote file is checked again (one request) after
/// `remoteRecheckInterval`, and reopened if it changed.
public final class ImageCatalog: Sendable {
    public let root: String
    private let realRoot: String
    /// The base URL of a remote catalog, without a trailing slash.
    public let remoteBase: String?
    /// Where the images' decoded tiles are kept (shared by all of them).
    public let tileCache: DecodedTileCache?
    /// Each open image and when its file was last looked at.
    private let open = Mutex<[String: (image: ServedImage, checked: ContinuousClock.Instant)]>([:])

    /// Longest identifier accepted, in bytes.
    public static let maxIdentifierLength = 1024

    public init(root: String, tileCache: DecodedTileCache? = nil) throws(ServeError) {
        guard let real = Self.realPath(root) else { throw ServeError(404, "\(root): no such folder") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir), isDir.boolValue else {
            throw ServeError(404, "\(root): not a folder")
        }
        self.root = root
        realRoot = real
        remoteBase = nil
        self.tileCache = tileCache
    }

    /// A catalog of the `.tess` files under `baseURL` (http:// or https://).
    public init(remoteBase baseURL: String, tileCache: DecodedTileCache? = nil) {
        self.tileCache = tileCache
        root = baseURL
        realRoot = ""
        remoteBase = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// The open image for `identifier` (already percent-decoded): 400 for an identifier that
    /// could name something outside the root, 404 for one that names no `.tess` file, 500 for
    /// a file that cannot be opened (damaged). An image looked at less than `recheckInterval`
    /// ago (`remoteRecheckInterval` for a remote catalog) is served as it was, with no system
    /// call or request; after that its identity is looked at again, and a changed file reopened.
    public func image(_ identifier: String) throws(ServeError) -> ServedImage {
        let now = ContinuousClock.now
        let known = open.withLock { $0[identifier] }
        if let known, now - known.checked < (remoteBase == nil ? Self.recheckInterval : Self.remoteRecheckInterval) {
            return known.image
        }
        let found: Found
        if let remoteBase {
            found = try remoteFile(identifier, base: remoteBase)
        } else {
            found = try localFile(identifier)
        }
        var served = known?.image
        if served?.identity != found.identity {
            do {
                served = try found.open()
            } catch {
                open.withLock { _ = $0.removeValue(forKey: identifier) }
                throw ServeError(500, "image '\(identifier)' cannot be read: \(error)")
            }
        }
        open.withLock { $0[identifier] = (served!, now) }
        return served!
    }

    /// How long a local file's identity (and its resolved path) is trusted without a look.
    public static let recheckInterval = Duration.seconds(1)
    /// How long a remote file's is (a look costs a request).
    public static let remoteRecheckInterval = Duration.seconds(30)

    /// A file as it is now: what identifies it, and how to open it.
    private typealias Found = (identity: FileIdentity, open: () throws -> ServedImage)

    private func localFile(_ identifier: String) throws(ServeError) -> Found {
        let path = try resolve(identifier)
        guard let identity = FileIdentity(path: path), identity.isRegularFile else {
            throw .notFound("no image '\(identifier)'")
        }
        let cache = tileCache
        return (identity, { try ServedImage(identifier: identifier, path: path, identity: identity, cache: cache) })
    }

    private func remoteFile(_ identifier: String, base: String) throws(ServeError) -> Found {
        try checkSyntax(identifier)
        let url = base + "/" + identifier.split(separator: "/").map { PercentEncoding.encode(String($0)) }.joined(separator: "/")
            + ".tess"
        let source: HTTPRangeSource
        do {
            source = try HTTPRangeSource(url: url)
        } catch {
            if let e = error as? TessFileError, case .cannotOpen(let why) = e.problem, why.hasPrefix("HTTP 404") {
                throw .notFound("no image '\(identifier)'")
            }
            throw ServeError(500, "image '\(identifier)' cannot be read: \(error)")
        }
        let stamp = source.validator.map { Int(CRC32Text.of($0)) } ?? 0
        let modified = source.lastModified.flatMap { HTTPDate.parse(Substring($0)) } ?? 0
        let identity = FileIdentity(remoteSize: Int64(source.size), stamp: stamp, modified: modified)
        let cache = tileCache
        return (identity, { try ServedImage(identifier: identifier, source: source, path: url, identity: identity, cache: cache) })
    }

    /// How many files are open now.
    public var openCount: Int { open.withLock { $0.count } }

    /// The path of `identifier`'s file, checked to lie under the root.
    func resolve(_ identifier: String) throws(ServeError) -> String {
        try checkSyntax(identifier)
        let candidate = realRoot + "/" + identifier + ".tess"
        // Symlinks inside the root are fine as long as they end inside it.
        guard let real = Self.realPath(candidate) else { throw .notFound("no image '\(identifier)'") }
        guard real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/") else {
            throw .notFound("no image '\(identifier)'")
        }
        return real
    }

    /// Refuses identifiers that could name anything outside the root, whatever the root is.
    func checkSyntax(_ identifier: String) throws(ServeError) {
        guard !identifier.isEmpty, identifier.utf8.count <= Self.maxIdentifierLength else {
            throw .badRequest("identifier is empty or longer than \(Self.maxIdentifierLength) bytes")
        }
        guard !identifier.utf8.contains(0), !identifier.utf8.contains(UInt8(ascii: "\\")) else {
            throw .badRequest("identifier contains a NUL byte or a backslash")
        }
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".") }) else {
            throw .badRequest("identifier '\(identifier)' has an empty, '.', '..' or hidden path component")
        }
    }

    /// Every image under the root, sorted by identifier: (identifier, file size). Hidden files
    /// and folders are skipped, and so is anything whose real path leaves the root.
    public func list() -> [(identifier: String, bytes: Int)] {
        if remoteBase != nil { return [] }  // HTTP has no folder listing
        var found: [(String, Int)] = []
        walk(realRoot, prefix: "", depth: 0, into: &found)
        return found.sorted { $0.0 < $1.0 }
    }

    private func walk(_ folder: String, prefix: String, depth: Int, into found: inout [(String, Int)]) {
        guard depth < 16, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where !name.hasPrefix(".") {
            let path = folder + "/" + name
            guard let real = Self.realPath(path), real.hasPrefix(realRoot + "/"), let id = FileIdentity(path: real) else {
                continue
            }
            if id.isRegularFile {
                if name.hasSuffix(".tess"), name.count > 5 {
                    found.append((prefix + String(name.dropLast(5)), Int(id.size)))
                }
            } else if id.isDirectory {
                walk(path, prefix: prefix + name + "/", depth: depth + 1, into: &found)
            }
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
