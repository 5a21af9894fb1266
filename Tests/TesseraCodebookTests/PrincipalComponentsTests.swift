import TesseraCodebook
import TestSupport
import XCTest

final class PrincipalComponentsTests: XCTestCase {
    /// A = Q · diag(5, 2, 0.5) · Qᵀ for an orthogonal Q: Jacobi finds those eigenvalues
    /// and eigenvectors with A v = λ v.
    func testSymmetricEigenOfAKnownMatrix() {
        // Q: a Householder reflection I − 2uuᵀ with u = (1, 2, 2)/3.
        let u = [1.0 / 3, 2.0 / 3, 2.0 / 3]
        var q = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { q[i * 3 + j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] } }
        let lambda = [5.0, 2.0, 0.5]
        var a = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { a[i * 3 + j] += q[i * 3 + k] * lambda[k] * q[j * 3 + k] } } }
        let (values, vectors) = PrincipalComponents.symmetricEigen(a, size: 3)
        for (v, l) in zip(values, lambda) { XCTAssertEqual(v, l, accuracy: 1e-12) }
        for r in 0..<3 {
            var norm = 0.0
            for i in 0..<3 {
                var av = 0.0
                for j in 0..<3 { av += a[i * 3 + j] * vectors[r * 3 + j] }
                XCTAssertEqual(av, values[r] * vectors[r * 3 + i], accuracy: 1e-12)
                norm += vectors[r * 3 + i] * vectors[r * 3 + i]
            }
            XCTAssertEqual(norm, 1, accuracy: 1e-12)
        }
    }

    /// Real image patches: most variance lies in the first component, which is the
    /// patch's brightness (all its weights of one sign); the components are orthonormal.
    func testRealPatches() throws {
        let patches = try RealPatches.all()
        let pca = patches.withUnsafeBufferPointer {
            PrincipalComponents(vectors: $0, count: patches.count / 16, dimensions: 16)
        }
        XCTAssertEqual(pca.variances.count, 16)
        XCTAssertTrue(zip(pca.variances, pca.variances.dropFirst()).allSatisfy { $0 >= $1 })
        XCTAssertGreaterThan(pca.energy(ofFirst: 1), 0.6)
        XCTAssertEqual(pca.energy(ofFirst: 16), 1, accuracy: 1e-9)
        let first = pca.components[0..<16]
        XCTAssertTrue(first.allSatisfy { $0 > 0 } || first.allSatisfy { $0 < 0 })
        for a in 0..<16 {
            for b in 0..<16 {
                var dot = 0.0
                for j in 0..<16 { dot += pca.components[a * 16 + j] * pca.components[b * 16 + j] }
                XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-9)
            }
        }
        // The total variance equals the mean squared deviation from the mean.
        var total = 0.0
        let n = patches.count / 16
        for i in 0..<n { for j in 0..<16 { total += pow(Double(patches[i * 16 + j]) - pca.mean[j], 2) } }
        XCTAssertEqual(pca.totalVariance, total / Double(n), accuracy: 1e-6 * total / Double(n))
    }
}
