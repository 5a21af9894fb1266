extension IndexMapModel {
    /// Which modelling ideas a model uses; `IndexMapModel.train` picks the cheapest unless told.
    ///
    /// Every index is coded with one rANS symbol from a table chosen by its context:
    /// - `neighbourEscapes`: two extra symbols mean "same as the left neighbour" and "same as
    ///   the upper neighbour" — the run-length idea for flat areas, one symbol per index.
    /// - `equalityContext`: the context includes three bits, left = upper, upper = upper-right,
    ///   left = upper-left (8 classes of local flatness).
    /// - `leftClasses`, `aboveClasses`: the context includes the class of the left and upper
    ///   neighbour's index, from learned maps index → class (1 = unused). Classes are learned
    ///   by clustering indices whose successors are distributed alike, so they work for
    ///   K-means codebooks (arbitrary order) and SOM codebooks (topological order) alike.
    public struct Structure: Sendable, Hashable, CustomStringConvertible {
        public var neighbourEscapes: Bool
        public var equalityContext: Bool
        public var leftClasses: Int
        public var aboveClasses: Int

        public static let maxClasses = 16

        public init(neighbourEscapes: Bool, equalityContext: Bool, leftClasses: Int = 1, aboveClasses: Int = 1) {
            self.neighbourEscapes = neighbourEscapes
            self.equalityContext = equalityContext
            self.leftClasses = leftClasses
            self.aboveClasses = aboveClasses
        }

        /// One static table, no use of neighbours.
        public static let order0 = Structure(neighbourEscapes: false, equalityContext: false)
        /// "Same as left / above" symbols in one table.
        public static let escapes = Structure(neighbourEscapes: true, equalityContext: false)
        /// Escapes, with the local-flatness bits as context.
        public static let escapesAndEquality = Structure(neighbourEscapes: true, equalityContext: true)
        /// Escapes, flatness bits and learned neighbour classes.
        public static func classes(left: Int, above: Int) -> Structure {
            Structure(neighbourEscapes: true, equalityContext: true, leftClasses: left, aboveClasses: above)
        }

        /// The structures `train` compares when none is given.
        public static let candidates: [Structure] = [
            .order0, .escapes, .escapesAndEquality,
            .classes(left: 2, above: 1), .classes(left: 4, above: 1), .classes(left: 8, above: 1),
            .classes(left: 16, above: 1), .classes(left: 4, above: 4), .classes(left: 8, above: 4),
            .classes(left: 16, above: 4), .classes(left: 8, above: 8), .classes(left: 16, above: 8),
        ]

        var contextCount: Int { (equalityContext ? 8 : 1) * leftClasses * aboveClasses }

        var isValid: Bool {
            (1...Structure.maxClasses).contains(leftClasses) && (1...Structure.maxClasses).contains(aboveClasses)
        }

        public var description: String {
            if !neighbourEscapes && !equalityContext && leftClasses == 1 && aboveClasses == 1 { return "order-0" }
            var parts: [String] = []
            if neighbourEscapes { parts.append("escapes") }
            if equalityContext { parts.append("flatness") }
            if leftClasses > 1 { parts.append("left\(leftClasses)") }
            if aboveClasses > 1 { parts.append("above\(aboveClasses)") }
            return parts.joined(separator: "+")
        }
    }
}
