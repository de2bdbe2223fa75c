import Foundation
import GNNExport
import GNNFormats
import GNNImport
import GNNKernels
import XCTest

/// The PyG fixtures of scripts/fixtures/make_engine_fixtures.py, packed and imported once per process.
enum EngineFixtures {
    static let root = Bundle.module.resourcePath! + "/Fixtures"
    static let scratch = NSTemporaryDirectory() + "gnn-engine-tests-\(getpid())"

    /// graph.npz packed as given (repeats and self loops kept, as PyG saw it).
    static let graphPath = packed("graph.npz")

    /// graph.npz packed in METIS order, in parts of 8 nodes.
    static let metisGraphPath = packed("graph.npz", options: PackOptions(order: .metis, partNodes: 8), suffix: "-metis")

    /// deq/graph.npz (make_deq_fixtures.py's block-model graph) packed as given.
    static let equilibriumGraphPath = packed("deq/graph.npz")

    /// The fixture `npz` (a path under Fixtures/) packed into the scratch folder with `options`.
    private static func packed(_ npz: String, options: PackOptions = PackOptions(), suffix: String = "") -> String {
        try! FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = scratch + "/" + npz.replacingOccurrences(of: "/", with: "_") + suffix + ".bin"
        let input = try! GraphPacker.readInput(root + "/" + npz, featuresPath: nil, progress: nil)
        _ = try! GraphPacker.pack(input, to: path, options: options, source: npz)
        return path
    }

    /// Every model configuration folder (those with an arch.json).
    static var modelConfigurations: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/arch.json") }
    }

    /// Imports NAME/weights.safetensors with NAME/arch.json into a model file stored as `dtype` (NAME may
    /// be a path such as `deq/deq_gcn`).
    static func modelPath(_ name: String, dtype: DType = .float32) throws -> String {
        let path = "\(scratch)/\(name.replacingOccurrences(of: "/", with: "_"))-\(dtype).gnnz"
        if !FileManager.default.fileExists(atPath: path) {
            var request = ModelImporter.Request(weights: "\(root)/\(name)/weights.safetensors",
                                                description: try ArchitectureDescription(path: "\(root)/\(name)/arch.json"),
                                                output: path)
            request.dtype = dtype
            request.name = name
            request.overwrite = true
            try ModelImporter.export(request)
        }
        return path
    }

    /// A float32 .npy as a flat array.
    static func npy(_ path: String) throws -> [Float] {
        let array = try NpzArchive.npyFile(path)
        var values = [Float](repeating: 0, count: array.count)
        try values.withUnsafeMutableBufferPointer { try array.copyRows(0..<array.rows, into: $0.baseAddress!) }
        return values
    }
}

/// ‖a − b‖₂ / ‖b‖₂.
func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    var difference = 0.0, norm = 0.0
    for (x, y) in zip(a, b) {
        difference += Double(x - y) * Double(x - y)
        norm += Double(y) * Double(y)
    }
    return (difference / max(norm, 1e-30)).squareRoot()
}
