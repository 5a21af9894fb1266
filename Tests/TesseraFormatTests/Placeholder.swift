import XCTest
final class TesseraFormatTestsPlaceholder: XCTestCase { func testModuleBuilds() {} }
