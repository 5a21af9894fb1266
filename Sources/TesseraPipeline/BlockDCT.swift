import Foundation

/// The orthonormal 8×8 DCT-II of coding mode `transform` (docs/FORMAT.md, "Mode 2"), done as
/// two passes of 8-point products with the basis matrix (rows, then columns), in Float.
/// Orthonormal, so a step of Δ on every coefficient is a step of Δ on the samples' energy:
/// one step per plane is what minimises squared error (PSNR), unlike JPEG's perceptual tables.
enum BlockDCT {
    static let size = 8
    /// basis[u * 8 + x] = a(u)·cos((2x + 1)uπ/16), a(0) = √(1/8), a(u) = √(2/8).
    static let basis: [Float] = (0..<64).map { i in
        let u = i / 8, x = i % 8
        let a = u == 0 ? (1.0 / 8).squareRoot() : (2.0 / 8).squareRoot()
        return Float(a * cos(Double(2 * x + 1) * Double(u) * Double.pi / 16))
    }

    /// The zig-zag scan: position k of the scan is coefficient `zigzag[k]` (row·8 + column).
    static let zigzag: [Int] = {
        var order: [Int] = []
        for s in 0..<15 {
            let cells = (0..<8).compactMap { r -> Int? in
                let c = s - r
                return c >= 0 && c < 8 ? r * 8 + c : nil
            }
            order += s % 2 == 0 ? cells.reversed() : cells
        }
        return order
    }()

    /// Coefficients (row-major u·8 + v) of the 64 samples at `block` (row-major).
    @inline(__always)
    static func forward(_ block: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, basis c: UnsafePointer<Float>) {
        var t = (
            SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(),
            SIMD8<Float>(), SIMD8<Float>()
        )
        // Rows: t[y][u] = Σx c[u][x]·block[y][x]; kept as columns of u per row y.
        withUnsafeMutableBytes(of: &t) { raw in
            let rows = raw.baseAddress!.assumingMemoryBound(to: SIMD8<Float>.self)
            for y in 0..<8 {
                var acc = SIMD8<Float>()
                for x in 0..<8 {
                    let column = SIMD8<Float>(
                        c[x], c[8 + x], c[16 + x], c[24 + x], c[32 + x], c[40 + x], c[48 + x], c[56 + x])
                    acc += column * block[y * 8 + x]
                }
                rows[y] = acc
            }
            // Columns: out[u][v] = Σy c[u][y]·t[y][v].
            for u in 0..<8 {
                var acc = SIMD8<Float>()
                for y in 0..<8 { acc += rows[y] * c[u * 8 + y] }
                for v in 0..<8 { out[u * 8 + v] = acc[v] }
            }
        }
    }

    /// Samples (row-major) of the coefficients `coefficients` (row-major u·8 + v).
    @inline(__always)
    static func inverse(
        _ coefficients: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, basis c: UnsafePointer<Float>
    ) {
        var t = (
            SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(),
            SIMD8<Float>(), SIMD8<Float>()
        )
        withUnsafeMutableBytes(of: &t) { raw in
            let rows = raw.baseAddress!.assumingMemoryBound(to: SIMD8<Float>.self)
            // t[y][v] = Σu c[u][y]·F[u][v].
            for y in 0..<8 {
                var acc = SIMD8<Float>()
                for u in 0..<8 {
                    let f = UnsafeRawPointer(coefficients + u * 8).loadUnaligned(as: SIMD8<Float>.self)
                    acc += f * c[u * 8 + y]
                }
                rows[y] = acc
            }
            // out[y][x] = Σv c[v][x]·t[y][v].
            for y in 0..<8 {
                var acc = SIMD8<Float>()
                for v in 0..<8 {
                    let basisRow = UnsafeRawPointer(c + v * 8).loadUnaligned(as: SIMD8<Float>.self)
                    acc += basisRow * rows[y][v]
                }
                UnsafeMutableRawPointer(out + y * 8).storeBytes(of: acc, as: SIMD8<Float>.self)
            }
        }
    }
}
