/// Why sampling or training could not produce a codebook. Image decoding errors
/// are passed on unchanged as `ImageIOError`; these are the rest.
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter is out of range (the message says which and what is allowed).
    case invalidParameter(String)
    /// An image of the collection is smaller than one patch.
    case imageTooSmall(path: String, width: Int, height: Int, patchSize: Int)
    /// The images of a collection do not have the same number of planes.
    case planeCountMismatch(path: String, found: Int, expected: Int)
    /// An image changed between reading its header and reading its pixels.
    case imageChanged(path: String)
    /// The sample would need more memory than allowed.
    case sampleTooLarge(bytes: Int, limit: Int)
    /// Fewer distinct patch vectors than codewords were asked for.
    case notEnoughPatches(available: Int, codewords: Int)

    public var description: String {
        switch self {
        case .invalidParameter(let what): "invalid parameter: \(what)"
        case .imageTooSmall(let p, let w, let h, let s):
            "\(p): image is \(w)×\(h), smaller than one \(s)×\(s) patch"
        case .planeCountMismatch(let p, let found, let expected):
            "\(p): has \(found) plane\(found == 1 ? "" : "s") but the collection's first image has \(expected); train one codebook per kind of image"
        case .imageChanged(let p): "\(p): the image changed while it was being sampled"
        case .sampleTooLarge(let b, let limit):
            "the sample would need \(b >> 20) MiB (limit \(limit >> 20) MiB); ask for fewer samples"
        case .notEnoughPatches(let n, let k):
            "only \(n) patches were sampled for \(k) codewords; sample more or ask for fewer codewords"
        }
    }
}
