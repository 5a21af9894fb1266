/// The quality parameter (section 4.4). `default` is the image as it is (grey or colour);
/// `color` gives RGB; `gray` the luma (BT.601 weights); `bitonal` luma thresholded at 128.
public enum IIIFQuality: String, Sendable, CaseIterable {
    case `default`, color, gray, bitonal

    public init(parsing text: Substring) throws(ServeError) {
        guard let q = IIIFQuality(rawValue: String(text)) else {
            throw .badRequest("quality '\(text)' must be default, color, gray or bitonal")
        }
        self = q
    }
}
