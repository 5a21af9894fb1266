/// One share of a batch, `I/N` (1 ≤ I ≤ N): shard I takes every file whose position in the
/// batch's sorted list is I−1 modulo N. Every shard given the same list takes a disjoint
/// share and together they take all of it, whatever order the shards run in, so a
/// scheduler's array index (Slurm, Kubernetes indexed Jobs, GNU parallel) is all a job needs.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `I/N`; the error says what is wrong in one line.
    public init(parsing text: String) throws(BatchError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw BatchError(path: text, problem: "a shard is I/N, such as 3/8 (shard 3 of 8)")
        }
        guard n >= 1, n <= 1_000_000 else { throw BatchError(path: text, problem: "the shard count N must be 1 to 1000000") }
        guard (1...n).contains(i) else {
            throw BatchError(path: text, problem: "the shard number I must be 1 to \(n) (shards count from 1)")
        }
        self.init(index: i, count: n)
    }

    /// The items of `sorted` that belong to this shard.
    public func select<T>(_ sorted: [T]) -> [T] {
        sorted.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    public var description: String { "\(index)/\(count)" }
}
