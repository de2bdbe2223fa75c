import Foundation
import Hummingbird
import Logging
import XCTest
@testable import GNNServer

/// The committed OpenAPI document (formats/serve-openapi.yaml) describes exactly the routes the server
/// registers: the same paths, with the same methods.
final class ServerRoutesTests: XCTestCase {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("formats/serve-openapi.yaml").path

    /// "METHOD /path/{param}" for every operation of the document: path keys sit at two spaces of
    /// indentation under `paths:`, their methods at four.
    private func documented() throws -> Set<String> {
        let lines = try String(contentsOfFile: Self.document, encoding: .utf8).split(separator: "\n")
        var operations = Set<String>()
        var inPaths = false
        var path: Substring?
        for line in lines {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.hasPrefix("#") { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = line.dropFirst(2).dropLast()
            } else if let path, let method = ["get", "post", "put", "delete", "patch"].first(where: { line == "    \($0):" }) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    func testOpenAPIDocumentListsExactlyTheServedRoutes() throws {
        let logger = Logger(label: "test")
        let registry = ModelRegistry(sources: .repository("/nonexistent"), logger: logger, metrics: ServerMetrics())
        let routes = InferenceRoutes(registry: registry, metrics: ServerMetrics(), limits: ServerLimits())
            .add(to: Router(context: BasicRequestContext.self))
        let served = Set(routes.map { route in
            let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method.rawValue) /" + path.joined(separator: "/")
        })
        XCTAssertEqual(served.count, routes.count, "a route is registered twice")
        let documented = try documented()
        XCTAssertFalse(documented.isEmpty)
        XCTAssertEqual(served.subtracting(documented), [], "served but not documented")
        XCTAssertEqual(documented.subtracting(served), [], "documented but not served")
    }

    func testVersionNamesCounterAndDigests() {
        let version = ModelVersion(loadCounter: 3, modelDigest: 0xab, graphDigest: 0x1234_5678_9abc_def0)
        XCTAssertEqual(version.description, "3-00000000000000ab-123456789abcdef0")
    }

    func testModelNamesAreSafePathSegments() {
        XCTAssertTrue(ModelSource.isValidName("rev-sage_28.v2"))
        for bad in ["", ".hidden", "a/b", "a b", "é", String(repeating: "a", count: 129)] {
            XCTAssertFalse(ModelSource.isValidName(bad), bad)
        }
    }
}
