import GNNFormats
import TestSupport
import XCTest

/// Every message is bounded, whatever the input echoed in it.
final class MessageBoundTests: XCTestCase {
    func testProblemsAreCutAtTheirLimitSayingHowMuchWasCut() {
        let error = GNNError(String(repeating: "a", count: 5000), fix: String(repeating: "f", count: 2001))
        XCTAssertEqual(error.problem, String(repeating: "a", count: 2000) + "… (3000 more characters)")
        XCTAssertEqual(error.fix, String(repeating: "f", count: 2000) + "… (1 more characters)")
    }

    func testEchoedValuesAreCutTo80Characters() {
        XCTAssertEqual(GNNError.echo(String(repeating: "b", count: 80)), String(repeating: "b", count: 80))
        XCTAssertEqual(GNNError.echo(String(repeating: "b", count: 10_000)), String(repeating: "b", count: 80) + "… (10000 characters)")
    }
}
