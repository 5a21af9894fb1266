/// Where a sampled patch came from: the image's index in the collection and the
/// pixel coordinates of its top-left corner.
public struct PatchPosition: Hashable, Sendable {
    public var source: Int
    public var x: Int
    public var y: Int

    public init(source: Int, x: Int, y: Int) {
        self.source = source
        self.x = x
        self.y = y
    }
}
