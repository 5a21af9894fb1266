import XCTest
final class TesseraCLITestsPlaceholder: XCTestCase { func testModuleBuilds() {} }
