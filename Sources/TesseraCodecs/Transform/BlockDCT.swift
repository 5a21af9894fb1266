import Foundation

/// The orthonormal 8×8 DCT-II of coding mode `transform` (docs/FORMAT.md, "Mode 2"), done as
/// two 8×8 matrix products with the basis matrix (rows, then columns), in Float.
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

    /// The basis and its transpose as fixed buffers (made once, never freed), so that the
    /// per-block kernels take no arrays.
    // Written once at first use, then only read: safe to share between threads.
    nonisolated(unsafe) static let c: UnsafePointer<Float> = constant(basis)
    nonisolated(unsafe) static let cT: UnsafePointer<Float> = constant((0..<64).map { i in basis[(i % 8) * 8 + i / 8] })
    /// `zigzag` as a fixed buffer.
    nonisolated(unsafe) static let scan: UnsafePointer<Int> = constant(zigzag)

    static func constant<T>(_ values: [T]) -> UnsafePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        return UnsafePointer(p)
    }

    /// Coefficients F = C·B·Cᵀ (row-major u·8 + v) of the 64 samples B at `block` (row-major).
    @inline(__always)
    static func forward(_ block: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 64) { t in
            product(block, cT, into: t.baseAddress!)  // along rows: B·Cᵀ
            product(c, t.baseAddress!, into: out)  // along columns: C·(B·Cᵀ)
        }
    }

    /// Samples B = Cᵀ·F·C (row-major) of the coefficients F at `coefficients` (row-major u·8 + v).
    @inline(__always)
    static func inverse(_ coefficients: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 64) { t in
            product(cT, coefficients, into: t.baseAddress!)  // Cᵀ·F
            product(t.baseAddress!, c, into: out)  // (Cᵀ·F)·C
        }
    }

    /// out = x·m for 8×8 row-major matrices: row i of out is Σj x[i][j] · (row j of m), eight
    /// lanes at a time.
    @inline(__always)
    static func product(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let rows = UnsafeRawPointer(m)
        for i in 0..<8 {
            var acc = SIMD8<Float>()
            for j in 0..<8 { acc += rows.loadUnaligned(fromByteOffset: 32 * j, as: SIMD8<Float>.self) * x[i * 8 + j] }
            UnsafeMutableRawPointer(out + i * 8).storeBytes(of: acc, as: SIMD8<Float>.self)
        }
    }
}
