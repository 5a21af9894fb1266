/// The rotation parameter (section 4.3): an optional mirror (`!`, flipped left to right
/// first) and a clockwise angle. This server does multiples of 90°; other angles are 400s,
/// as the section says for unsupported values.
public struct IIIFRotation: Sendable, Hashable {
    public var mirror: Bool
    /// 0, 90, 180 or 270.
    public var degrees: Int

    public init(mirror: Bool = false, degrees: Int = 0) {
        self.mirror = mirror
        self.degrees = degrees
    }

    public init(parsing text: Substring) throws(ServeError) {
        var s = text
        mirror = s.first == "!"
        if mirror { s = s.dropFirst() }
        guard let v = IIIFNumber.decimal(s), v <= 360 else {
            throw .badRequest("rotation '\(text)' must be a number of degrees from 0 to 360, optionally after !")
        }
        guard v.truncatingRemainder(dividingBy: 90) == 0 else {
            throw .badRequest("rotation \(v): only multiples of 90 degrees are supported (rotationArbitrary is not)")
        }
        degrees = Int(v) % 360
    }

    var canonical: String { (mirror ? "!" : "") + String(degrees) }
    /// Whether the output's width and height are swapped.
    var swapsAxes: Bool { degrees == 90 || degrees == 270 }
}
