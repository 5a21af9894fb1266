/// Carries a value Swift cannot prove thread-safe into other threads. Used only where the
/// sharing is safe by construction, and the reason is stated where it is made: work items that
/// write disjoint memory, or closures called from one thread at a time.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
