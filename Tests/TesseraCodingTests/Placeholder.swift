import XCTest
final class TesseraCodingTestsPlaceholder: XCTestCase { func testModuleBuilds() {} }
