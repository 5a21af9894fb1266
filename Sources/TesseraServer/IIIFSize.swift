/// The size parameter of an IIIF Image API 3.0 request (section 4.2). Sizes with `^` may
/// upscale the region; the others must not.
public struct IIIFSize: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case max
        case width(Int)
        case height(Int)
        case percent(Double)
        case exact(width: Int, height: Int)
        /// `!w,h`: the largest size within w×h with the region's aspect ratio.
        case confined(width: Int, height: Int)
    }

    public var kind: Kind
    public var upscale: Bool

    public init(_ kind: Kind, upscale: Bool = false) {
        self.kind = kind
        self.upscale = upscale
    }

    /// Parses `max`, `w,`, `,h`, `pct:n`, `w,h`, `!w,h`, each optionally after `^`.
    public init(parsing text: Substring) throws(ServeError) {
        var s = text
        upscale = s.first == "^"
        if upscale { s = s.dropFirst() }
        if s == "max" {
            kind = .max
            return
        }
        if s.hasPrefix("pct:") {
            guard let n = IIIFNumber.decimal(s.dropFirst(4)), n > 0 else {
                throw .badRequest("size '\(text)': pct:n needs a number above 0")
            }
            kind = .percent(n)
            return
        }
        let confined = s.first == "!"
        if confined { s = s.dropFirst() }
        let parts = s.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .badRequest("size '\(text)' must be max, w,, ,h, pct:n, w,h or !w,h (each may start with ^)")
        }
        let w = parts[0].isEmpty ? nil : IIIFNumber.whole(parts[0])
        let h = parts[1].isEmpty ? nil : IIIFNumber.whole(parts[1])
        guard parts[0].isEmpty || w != nil, parts[1].isEmpty || h != nil else {
            throw .badRequest("size '\(text)': width and height must be whole numbers")
        }
        switch (w, h) {
        case (let w?, let h?): kind = confined ? .confined(width: w, height: h) : .exact(width: w, height: h)
        case (let w?, nil) where !confined: kind = .width(w)
        case (nil, let h?) where !confined: kind = .height(h)
        default: throw .badRequest("size '\(text)' must give a width, a height or both (!w,h needs both)")
        }
        if case .exact(let w, let h) = kind, w == 0 || h == 0 { throw .badRequest("size '\(text)' is zero") }
        if case .confined(let w, let h) = kind, w == 0 || h == 0 { throw .badRequest("size '\(text)' is zero") }
        if case .width(0) = kind { throw .badRequest("size '\(text)' is zero") }
        if case .height(0) = kind { throw .badRequest("size '\(text)' is zero") }
    }

    /// The output size for a region of `width`×`height` under the server's limits. Sizes that
    /// would upscale without `^`, or exceed the limits (other than `max`, which is reduced to
    /// fit them), are 400s.
    public func resolve(width rw: Int, height rh: Int, limits: IIIFLimits) throws(ServeError) -> (width: Int, height: Int) {
        let w, h: Int
        func scaled(_ v: Int, _ num: Double, _ den: Double) -> Int { max(1, Int((Double(v) * num / den).rounded())) }
        switch kind {
        case .max:
            // The region, reduced (or with ^, enlarged) to the largest size within the limits.
            var f = min(Double(limits.maxWidth) / Double(rw), Double(limits.maxHeight) / Double(rh))
            f = min(f, (Double(limits.maxArea) / (Double(rw) * Double(rh))).squareRoot())
            if !upscale { f = min(f, 1) }
            if f == 1 { return (rw, rh) }
            w = max(1, Int((Double(rw) * f).rounded(.down)))
            h = max(1, Int((Double(rh) * f).rounded(.down)))
            return (min(w, limits.maxWidth), min(h, limits.maxHeight))
        case .width(let v):
            w = v
            h = scaled(rh, Double(v), Double(rw))
        case .height(let v):
            h = v
            w = scaled(rw, Double(v), Double(rh))
        case .percent(let p):
            w = scaled(rw, p, 100)
            h = scaled(rh, p, 100)
        case .exact(let ew, let eh):
            (w, h) = (ew, eh)
        case .confined(let cw, let ch):
            let f = min(Double(cw) / Double(rw), Double(ch) / Double(rh))
            w = min(cw, max(1, Int((Double(rw) * f).rounded())))
            h = min(ch, max(1, Int((Double(rh) * f).rounded())))
        }
        if !upscale, w > rw || h > rh {
            throw .badRequest("size \(w)×\(h) is larger than the \(rw)×\(rh) region: upscaling needs ^ (section 4.2)")
        }
        guard w <= limits.maxWidth, h <= limits.maxHeight, w <= limits.maxArea / h else {
            throw .badRequest(
                "size \(w)×\(h) exceeds the server's limits (maxWidth \(limits.maxWidth), maxHeight \(limits.maxHeight), maxArea \(limits.maxArea))")
        }
        return (w, h)
    }
}
