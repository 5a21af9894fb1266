/// Principal components of a set of vectors: the mean, and the eigenvalues
/// (variances along each component, largest first) and eigenvectors of the
/// covariance matrix, found by cyclic Jacobi rotations (exact to rounding and
/// quick for the at most a few hundred dimensions of a patch).
///
/// `train` reports how much of the variance the first components hold;
/// `PartialDistanceSearch` rotates codewords onto these axes so that the first
/// few coordinates already carry most of every distance.
public struct PrincipalComponents: Sendable {
    public let dimensions: Int
    /// Mean vector.
    public let mean: [Double]
    /// Eigenvalues of the covariance (population, divided by the count), largest first.
    public let variances: [Double]
    /// Row i (dimensions values) is the unit eigenvector of `variances[i]`.
    public let components: [Double]
    /// How many vectors the estimate used.
    public let vectorCount: Int

    /// At most this many vectors (evenly spaced through the input) enter the estimate.
    public static let defaultVectorLimit = 65536

    public init(
        vectors: UnsafeBufferPointer<Float>, count: Int, dimensions: Int,
        vectorLimit: Int = PrincipalComponents.defaultVectorLimit
    ) {
        precondition(dimensions > 0 && vectors.count >= count * dimensions && count > 0)
        let d = dimensions
        let used = min(count, max(vectorLimit, 1))
        var mean = [Double](repeating: 0, count: d)
        var cov = [Double](repeating: 0, count: d * d)
        var v = [Double](repeating: 0, count: d)
        for s in 0..<used {
            let i = used == count ? s : Int((UInt64(s) * UInt64(count)) / UInt64(used))
            for j in 0..<d { mean[j] += Double(vectors[i * d + j]) }
        }
        for j in 0..<d { mean[j] /= Double(used) }
        for s in 0..<used {
            let i = used == count ? s : Int((UInt64(s) * UInt64(count)) / UInt64(used))
            for j in 0..<d { v[j] = Double(vectors[i * d + j]) - mean[j] }
            for a in 0..<d {
                let va = v[a]
                for b in a..<d { cov[a * d + b] += va * v[b] }
            }
        }
        for a in 0..<d {
            for b in a..<d {
                cov[a * d + b] /= Double(used)
                cov[b * d + a] = cov[a * d + b]
            }
        }
        let (values, vectors) = PrincipalComponents.symmetricEigen(cov, size: d)
        self.dimensions = d
        self.mean = mean
        self.variances = values
        self.components = vectors
        self.vectorCount = used
    }

    /// Total variance (the trace of the covariance).
    public var totalVariance: Double { variances.reduce(0, +) }

    /// Fraction of the total variance held by the first `k` components.
    public func energy(ofFirst k: Int) -> Double {
        let total = totalVariance
        guard total > 0 else { return 1 }
        return variances.prefix(k).reduce(0, +) / total
    }

    /// Eigen-decomposition of a symmetric `size × size` matrix (row-major) by cyclic
    /// Jacobi rotations. Returns the eigenvalues in decreasing order and the
    /// matching unit eigenvectors as rows.
    public static func symmetricEigen(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
        precondition(matrix.count == n * n)
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var scale = 0.0
        for x in a { scale += x * x }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += a[p * n + q] * a[p * n + q] } }
            if off <= 1e-30 * scale || off == 0 { break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    // A ← Jᵀ·A·J for the rotation J in the (p, q) plane; V ← V·J.
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    a[p * n + q] = 0
                    a[q * n + p] = 0
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        // Columns of v are eigenvectors; sort by eigenvalue, largest first, and return rows.
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] || (a[$0 * n + $0] == a[$1 * n + $1] && $0 < $1) }
        var values = [Double](repeating: 0, count: n)
        var rows = [Double](repeating: 0, count: n * n)
        for (r, col) in order.enumerated() {
            values[r] = a[col * n + col]
            for k in 0..<n { rows[r * n + k] = v[k * n + col] }
        }
        return (values, rows)
    }
}
