/// A benchmark helper's failure: one line naming the file and the problem.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
