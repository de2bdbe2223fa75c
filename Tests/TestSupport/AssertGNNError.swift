import GNNFormats
import XCTest

/// Asserts `body` throws a `GNNError` whose message is one line containing `fragment`.
public func assertGNNError<T>(_ fragment: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an error containing \"\(fragment)\"", file: file, line: line)
    } catch let error as GNNError {
        XCTAssertTrue(error.description.contains(fragment), "\"\(error.description)\" lacks \"\(fragment)\"", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "error spans lines", file: file, line: line)
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
    }
}
