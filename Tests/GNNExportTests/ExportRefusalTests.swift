import Foundation
import GNNExport
import GNNFormats
import GNNModels
import TestSupport
import XCTest

/// What `gnn-export` refuses to write: non-finite weights, and descriptions far larger than the weights
/// (refused without allocating what they describe).
final class ExportRefusalTests: XCTestCase {
    typealias F = SafetensorsFixture
    typealias Tiny = ModelImporterTests

    private func request(_ tensors: [(String, String, [Int], [UInt8])],
                         architecture: ModelArchitecture = Tiny.architecture) -> ModelImporter.Request {
        ModelImporter.Request(weights: Tiny.weights(tensors), description: ArchitectureDescription(architecture: architecture),
                              output: temporaryPath("model.gnnz"))
    }

    private func replacing(_ name: String, with entry: (String, String, [Int], [UInt8])) -> [(String, String, [Int], [UInt8])] {
        Tiny.tensors().map { $0.0 == name ? entry : $0 }
    }

    func testNaNWeightIsRefusedUnlessAllowed() throws {
        var request = request(replacing("lin.bias", with: ("lin.bias", "F32", [2], F.f32([0, .nan]))))
        assertGNNError("tensor \"lin.bias\" holds nan at index 1: a model with non-finite weights outputs NaN; check the training run, or pass --allow-nonfinite to export it anyway") {
            try ModelImporter.export(request)
        }
        request.allowNonFinite = true
        XCTAssertNoThrow(try ModelImporter.export(request))
    }

    /// 1e300 fits a float64 but not a float32: it would be stored as infinity.
    func testFloat64BeyondTheFloat32RangeIsRefused() {
        let request = request(replacing("lin.bias", with: ("lin.bias", "F64", [2], F.f64([0, 1e300]))))
        assertGNNError("tensor \"lin.bias\" holds inf at index 1 (or a F64 value beyond the f32 range)") {
            try ModelImporter.export(request)
        }
    }

    /// Hidden 2^24 would make the audit build 2^24 × 2^24 weights of zeros: it stops at the first request
    /// larger than the weights. 2^24 layers: it stops after 2 × 11 + 4096 requests the weights cannot serve.
    func testHugeHiddenSizeOrLayerCountIsRefusedWithoutAllocatingIt() {
        let cases: [(WritableKeyPath<ModelArchitecture, Int>, String)] = [
            (\.hiddenChannels, "listing stopped: the architecture asks for far more tensors or elements than are offered"),
            (\.layers, "missing: layers.1.conv.lin.weight [2, 2]"),
        ]
        for (field, fragment) in cases {
            var architecture = Tiny.architecture
            architecture[keyPath: field] = 1 << 24
            let start = ContinuousClock.now
            assertGNNError(fragment) { try ModelImporter.export(request(Tiny.tensors(), architecture: architecture)) }
            XCTAssertLessThan(ContinuousClock.now - start, .seconds(5))
        }
    }
}

/// Valid JSON that Foundation cannot decode is named by its field and value, not "not valid JSON".
final class DescriptionNumberTests: XCTestCase {
    private func description(_ edit: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: Fixtures.models + "/res_sage/arch.json", encoding: .utf8)
        let path = temporaryPath("arch.json")
        try edit(text).write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func testFractionOrHugeNumberWhereAWholeNumberBelongsIsNamed() throws {
        let fraction = try description { $0.replacingOccurrences(of: "\"layers\": 3", with: "\"layers\": 8.5") }
        assertGNNError("\(fraction): architecture field layers is 8.5, which its type cannot hold; give a whole number in range (see formats/arch.md)") {
            try ArchitectureDescription(path: fraction)
        }
        let huge = try description { $0.replacingOccurrences(of: "\"hidden_channels\": 8", with: "\"hidden_channels\": 99999999999999999999") }
        assertGNNError("architecture field hidden_channels is 99999999999999999999, which its type cannot hold") { try ArchitectureDescription(path: huge) }
        let beyond = try description { $0.replacingOccurrences(of: "\"layers\": 3", with: "\"layers\": 1e400") }
        assertGNNError("is valid JSON that holds a number beyond the range of a 64-bit float (such as 1e400); write the number within ±1.8e308") {
            try ArchitectureDescription(path: beyond)
        }
    }
}

/// A 10,000-character value in a description is quoted cut, not whole.
final class DescriptionEchoTests: XCTestCase {
    func testLongEnumValueIsQuotedCut() throws {
        let text = try String(contentsOfFile: Fixtures.models + "/res_sage/arch.json", encoding: .utf8)
        let path = temporaryPath("arch.json")
        try text.replacingOccurrences(of: "\"norm\": \"layer\"", with: "\"norm\": \"\(String(repeating: "x", count: 10_000))\"")
            .write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try ArchitectureDescription(path: path)
            XCTFail("accepted")
        } catch let error as GNNError {
            XCTAssertTrue(error.description.contains(String(repeating: "x", count: 80) + "… (10000 characters)"), error.description)
            XCTAssertLessThan(error.description.count, 600, error.description)
        }
    }
}
