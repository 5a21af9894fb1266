/// The region parameter of an IIIF Image API 3.0 request (section 4.1): which part of the
/// image, before scaling.
public enum IIIFRegion: Sendable, Equatable {
    case full
    /// The largest centred square.
    case square
    case pixels(x: Int, y: Int, width: Int, height: Int)
    /// Percentages of the image's width and height.
    case percent(x: Double, y: Double, width: Double, height: Double)

    /// Parses `full`, `square`, `x,y,w,h` or `pct:x,y,w,h`.
    public init(parsing text: Substring) throws(ServeError) {
        switch text {
        case "full": self = .full
        case "square": self = .square
        default:
            if text.hasPrefix("pct:") {
                let v = try Self.numbers(text.dropFirst(4), whole: false, text: text)
                guard v[2] > 0, v[3] > 0 else { throw .badRequest("region '\(text)': width and height must be above 0") }
                self = .percent(x: v[0], y: v[1], width: v[2], height: v[3])
            } else {
                let v = try Self.numbers(text, whole: true, text: text)
                guard v[2] > 0, v[3] > 0 else { throw .badRequest("region '\(text)': width and height must be above 0") }
                self = .pixels(x: Int(v[0]), y: Int(v[1]), width: Int(v[2]), height: Int(v[3]))
            }
        }
    }

    private static func numbers(_ list: Substring, whole: Bool, text: Substring) throws(ServeError) -> [Double] {
        let parts = list.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 4 else {
            throw .badRequest("region '\(text)' must be full, square, x,y,w,h or pct:x,y,w,h")
        }
        var values: [Double] = []
        for p in parts {
            guard let v = whole ? IIIFNumber.whole(p).map(Double.init) : IIIFNumber.decimal(p) else {
                throw .badRequest("region '\(text)': '\(p)' is not a \(whole ? "whole number" : "number") of 0 or more")
            }
            values.append(v)
        }
        return values
    }

    /// The pixel rectangle within a `width`×`height` image: cropped to the image; a region
    /// wholly outside it is a 400 (section 4.1).
    public func resolve(width: Int, height: Int) throws(ServeError) -> (x: Int, y: Int, width: Int, height: Int) {
        let x, y, w, h: Int
        switch self {
        case .full: return (0, 0, width, height)
        case .square:
            let s = min(width, height)
            return ((width - s) / 2, (height - s) / 2, s, s)
        case .pixels(let px, let py, let pw, let ph):
            (x, y, w, h) = (px, py, pw, ph)
        case .percent(let px, let py, let pw, let ph):
            // Percentages far beyond the image are outside it; clamp before converting.
            let fx = min(px, 1000) * Double(width) / 100, fy = min(py, 1000) * Double(height) / 100
            let fw = min(pw, 1000) * Double(width) / 100, fh = min(ph, 1000) * Double(height) / 100
            x = Int(fx.rounded(.down))
            y = Int(fy.rounded(.down))
            w = max(1, Int((fx + fw).rounded()) - x)
            h = max(1, Int((fy + fh).rounded()) - y)
        }
        guard x < width, y < height else {
            throw .badRequest("region starts at \(x),\(y), outside the \(width)×\(height) image")
        }
        return (x, y, min(w, width - x), min(h, height - y))
    }

    /// The canonical form (section 4.7): `full` when the region is the whole image, else pixels.
    static func canonical(_ r: (x: Int, y: Int, width: Int, height: Int), imageWidth: Int, imageHeight: Int) -> String {
        if r.x == 0, r.y == 0, r.width == imageWidth, r.height == imageHeight { return "full" }
        return "\(r.x),\(r.y),\(r.width),\(r.height)"
    }
}
