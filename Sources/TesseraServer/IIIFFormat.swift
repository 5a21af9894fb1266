/// The output formats served (section 4.5): JPEG (libjpeg-turbo) and PNG (libpng).
public enum IIIFFormat: String, Sendable, CaseIterable {
    case jpg, png

    /// Any other format, known to IIIF or not, is a 415 (the status the validator accepts for it).
    public init(parsing text: Substring) throws(ServeError) {
        guard let f = IIIFFormat(rawValue: String(text)) else {
            throw ServeError(415, "format '\(text)' is not served: use jpg or png")
        }
        self = f
    }

    public var mediaType: String {
        switch self {
        case .jpg: "image/jpeg"
        case .png: "image/png"
        }
    }
}
