import Foundation
import GNNFormats
import GNNImport

/// The one home of the test fixtures, Tests/Fixtures/, read in place (no test target copies them):
///
/// - `models/`: the PyG references written by scripts/fixtures/make_*_fixtures.py: `graph.npz`, one folder
///   per model configuration (arch.json, weights, expected.npy), `ops/` (single operators) and `deq/`
///   (DEQ-GNNs and their own graph);
/// - `graphs/`: inputs of `pack` (written by graphs/make_fixtures.py), and `features1000.npy`;
/// - `fuzz/`: inputs `scripts/fuzz.sh` found to crash or blow up a parser, named TARGET-WHAT, kept as
///   regression tests.
public enum Fixtures {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    public static let models = root + "/models"
    public static let graphs = root + "/graphs"
    public static let fuzzFindings = root + "/fuzz"

    /// Where tests put what they build from the fixtures: one folder per test process.
    public static let scratch = NSTemporaryDirectory() + "gnn-serve-tests-\(getpid())"

    /// models/graph.npz packed as given (repeats and self loops kept, as PyG saw it).
    public static let graphPath = packed("graph.npz")

    /// models/graph.npz packed in METIS order, in parts of 8 nodes.
    public static let metisGraphPath = packed("graph.npz", options: PackOptions(order: .metis, partNodes: 8), suffix: "-metis")

    /// models/deq/graph.npz (make_deq_fixtures.py's block-model graph) packed as given.
    public static let equilibriumGraphPath = packed("deq/graph.npz")

    /// The fixture `npz` (a path under models/) packed into the scratch folder with `options`.
    private static func packed(_ npz: String, options: PackOptions = PackOptions(), suffix: String = "") -> String {
        try! FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = scratch + "/" + npz.replacingOccurrences(of: "/", with: "_") + suffix + ".bin"
        let input = try! GraphPacker.readInput(models + "/" + npz, featuresPath: nil, progress: nil)
        _ = try! GraphPacker.pack(input, to: path, options: options, source: npz)
        return path
    }

    /// Every model configuration folder under models/ (those with an arch.json).
    public static var modelConfigurations: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: models)) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: "\(models)/\($0)/arch.json") }
    }

    /// A float32 .npy as a flat array.
    public static func npy(_ path: String) throws -> [Float] {
        let array = try NpzArchive.npyFile(path)
        var values = [Float](repeating: 0, count: array.count)
        try values.withUnsafeMutableBufferPointer { try array.copyRows(0..<array.rows, into: $0.baseAddress!) }
        return values
    }
}

/// ‖a − b‖₂ / ‖b‖₂.
public func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    var difference = 0.0, norm = 0.0
    for (x, y) in zip(a, b) {
        difference += Double(x - y) * Double(x - y)
        norm += Double(y) * Double(y)
    }
    return (difference / max(norm, 1e-30)).squareRoot()
}
