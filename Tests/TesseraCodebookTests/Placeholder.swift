import XCTest
final class TesseraCodebookTestsPlaceholder: XCTestCase { func testModuleBuilds() {} }
