/// What a watch folder run did, given when it stops.
public struct WatchSummary: Sendable, Codable, Equatable {
    public var done = 0
    public var failed = 0
    public var reclaimed = 0
    public var released = 0
    public var inputBytes = 0
    public var outputBytes = 0
    public var pixels = 0
    public var seconds = 0.0

    public init() {}
}
