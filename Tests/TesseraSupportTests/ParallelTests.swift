import Foundation
import TesseraSupport
import XCTest

/// `Parallel` runs every item exactly once and returns results in input order, whatever the
/// thread count; the first error in input order is the one rethrown.
final class ParallelTests: XCTestCase {
    struct Odd: Error, Equatable {
        let value: Int
    }

    func testEveryItemRunsOnceWithAnyThreadCount() {
        for threads in [0, 1, 2, 3, 16] {
            for count in [0, 1, 2, 7, 1000] {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                hits.initialize(repeating: 0, count: max(count, 1))
                let box = UncheckedSendable(hits)
                Parallel.forEach(count: count, threads: threads) { box.value[$0] += 1 }
                XCTAssertEqual((0..<count).filter { hits[$0] != 1 }, [], "threads \(threads), count \(count)")
                hits.deallocate()
            }
        }
    }

    func testMapKeepsInputOrder() throws {
        let items = Array(0..<500).shuffled()
        for threads in [1, 2, 4] {
            // Uneven work: later items finish first on some threads.
            let squares = try Parallel.map(items, threads: threads) { (v: Int) -> Int in
                if v % 97 == 0 { usleep(200) }
                return v * v
            }
            XCTAssertEqual(squares, items.map { $0 * $0 })
            XCTAssertEqual(Parallel.map(count: 300, threads: threads) { $0 + 1 }, Array(1...300))
        }
    }

    func testTheFirstErrorInInputOrderIsRethrown() {
        let items = [2, 4, 9, 6, 3, 8]
        for threads in [1, 2, 3] {
            XCTAssertThrowsError(
                try Parallel.map(items, threads: threads) { (v: Int) -> Int in
                    if v % 2 == 1 { throw Odd(value: v) }
                    return v
                }
            ) { XCTAssertEqual($0 as? Odd, Odd(value: 9)) }
        }
    }
}
