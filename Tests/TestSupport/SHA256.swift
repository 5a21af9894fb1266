/// SHA-256 (FIPS 180-4) for tests: checks decoded pixels against the hashes in
/// `fixtures/reference/corpus-pixels.tsv` (CryptoKit is not available on Linux).
///
/// Feed bytes in any number of pieces with `update`, then call `finalize` once.
/// The compression loop works on raw pointers so that hashing hundreds of
/// megabytes stays tolerable in a debug build.
public final class SHA256 {
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Hash state H0…H7, the message schedule W0…W63, the round constants, and a
    /// partial block; allocated once so the hot loop touches no Swift arrays.
    private let state = UnsafeMutablePointer<UInt32>.allocate(capacity: 8)
    private let schedule = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
    private let constants = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
    private let pending = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    private var pendingCount = 0
    private var totalBytes: UInt64 = 0
    private var finished = false

    public init() {
        let initial: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        for i in 0..<8 { state[i] = initial[i] }
        for i in 0..<64 { constants[i] = SHA256.roundConstants[i] }
    }

    deinit {
        state.deallocate()
        schedule.deallocate()
        constants.deallocate()
        pending.deallocate()
    }

    /// The digest of `bytes`, as 64 lowercase hexadecimal digits.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let hasher = SHA256()
        hasher.update(Array(bytes))
        return hasher.finalizeHex()
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    public func update(_ buffer: UnsafeBufferPointer<UInt8>) {
        precondition(!finished, "SHA256.update after finalize")
        guard var p = buffer.baseAddress, buffer.count > 0 else { return }
        var left = buffer.count
        totalBytes &+= UInt64(left)
        if pendingCount > 0 {
            let take = min(64 - pendingCount, left)
            (pending + pendingCount).update(from: p, count: take)
            pendingCount += take
            p += take
            left -= take
            if pendingCount < 64 { return }
            compress(UnsafePointer(pending))
            pendingCount = 0
        }
        while left >= 64 {
            compress(p)
            p += 64
            left -= 64
        }
        if left > 0 {
            pending.update(from: p, count: left)
            pendingCount = left
        }
    }

    /// Pads the message, and returns the 32-byte digest.
    public func finalize() -> [UInt8] {
        precondition(!finished, "SHA256.finalize called twice")
        let bitLength = totalBytes &* 8
        var tail: [UInt8] = [0x80]
        let afterOne = (pendingCount + 1) % 64
        let zeros = afterOne <= 56 ? 56 - afterOne : 120 - afterOne
        tail += [UInt8](repeating: 0, count: zeros)
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        let saved = totalBytes
        update(tail)
        totalBytes = saved
        precondition(pendingCount == 0)
        finished = true
        var digest = [UInt8]()
        digest.reserveCapacity(32)
        for i in 0..<8 {
            let h = state[i]
            digest += [UInt8(h >> 24), UInt8(truncatingIfNeeded: h >> 16), UInt8(truncatingIfNeeded: h >> 8),
                UInt8(truncatingIfNeeded: h)]
        }
        return digest
    }

    public func finalizeHex() -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for byte in finalize() {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return out
    }

    /// One 64-byte block (FIPS 180-4, section 6.2.2).
    private func compress(_ block: UnsafePointer<UInt8>) {
        let w = schedule
        let k = constants
        for t in 0..<16 {
            let b = block + 4 * t
            w[t] = UInt32(b[0]) &<< 24 | UInt32(b[1]) &<< 16 | UInt32(b[2]) &<< 8 | UInt32(b[3])
        }
        for t in 16..<64 {
            let x = w[t - 15], y = w[t - 2]
            let s0 = (x &>> 7 | x &<< 25) ^ (x &>> 18 | x &<< 14) ^ (x &>> 3)
            let s1 = (y &>> 17 | y &<< 15) ^ (y &>> 19 | y &<< 13) ^ (y &>> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<64 {
            let sigma1 = (e &>> 6 | e &<< 26) ^ (e &>> 11 | e &<< 21) ^ (e &>> 25 | e &<< 7)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ sigma1 &+ choose &+ k[t] &+ w[t]
            let sigma0 = (a &>> 2 | a &<< 30) ^ (a &>> 13 | a &<< 19) ^ (a &>> 22 | a &<< 10)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = sigma0 &+ majority
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        state[0] = state[0] &+ a
        state[1] = state[1] &+ b
        state[2] = state[2] &+ c
        state[3] = state[3] &+ d
        state[4] = state[4] &+ e
        state[5] = state[5] &+ f
        state[6] = state[6] &+ g
        state[7] = state[7] &+ h
    }
}
