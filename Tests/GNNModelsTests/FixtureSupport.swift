import Foundation
import GNNExport
import GNNFormats
@testable import GNNKernels
@testable import GNNModels
import TestSupport
import XCTest

extension Fixtures {
    /// Imports models/NAME/weights.safetensors with NAME/arch.json into a model file stored as `dtype`, once
    /// per process (NAME may be a path such as `deq/deq_gcn`).
    static func modelPath(_ name: String, dtype: DType = .float32) throws -> String {
        let path = "\(scratch)/\(name.replacingOccurrences(of: "/", with: "_"))-\(dtype).gnnz"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            var request = ModelImporter.Request(weights: "\(models)/\(name)/weights.safetensors",
                                                description: try ArchitectureDescription(path: "\(models)/\(name)/arch.json"),
                                                output: path)
            request.dtype = dtype
            request.name = name
            request.overwrite = true
            try ModelImporter.export(request)
        }
        return path
    }

    /// A graph of `nodes` nodes with 0–8 random in-edges each, rows sorted by source, random features in
    /// [−scale, scale].
    static func randomSortedGraph(nodes: Int, features: Int, seed: UInt64, scale: Float = 1) throws -> GraphFile {
        var generator = SeededGenerator(seed: seed)
        var offsets: [UInt64] = [0], sources: [UInt32] = []
        for _ in 0..<nodes {
            sources += (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                UInt32.random(in: 0..<UInt32(nodes), using: &generator)
            }.sorted()
            offsets.append(UInt64(sources.count))
        }
        let values = (0..<nodes * features).map { _ in scale * Float.random(in: -1...1, using: &generator) }
        var writer = GraphFileWriter(nodeCount: nodes, edgeCount: sources.count, features: [.sortedRows])
        writer.add(.rowOffsets, dtype: .uint64, shape: [nodes + 1]) { try $0.write(offsets) }
        writer.add(.sources, dtype: .uint32, shape: [sources.count]) { try $0.write(sources) }
        writer.add(.nodeFeatures, dtype: .float32, shape: [nodes, features]) { try $0.write(values) }
        try FileManager.default.createDirectory(atPath: Fixtures.scratch, withIntermediateDirectories: true)
        let path = Fixtures.scratch + "/random-sorted-\(nodes)-\(seed)-\(scale).bin"
        try writer.write(to: path)
        return try GraphFile(path: path)
    }
}

/// Runs each fixture model of `names` on `graph` with 1, 2 and 4 worker threads and asserts the outputs are
/// the same bits.
func assertSameBitsForAnyThreadCount(_ names: [String], on graph: GraphFile, stateDType: StateDType = .f32,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
    defer { KernelThreads.configure(threads: 0) }
    for name in names {
        let model = try GNNModel(ModelFile(path: try Fixtures.modelPath(name)))
        var runs: [[Float]] = []
        for threads in [1, 2, 4] {
            KernelThreads.configure(threads: threads)
            runs.append(try ForwardPass.run(model, on: graph, stateDType: stateDType).outputs)
        }
        XCTAssertEqual(runs[0].map(\.bitPattern), runs[1].map(\.bitPattern), "\(name) (\(stateDType)): 1 vs 2 threads", file: file, line: line)
        XCTAssertEqual(runs[0].map(\.bitPattern), runs[2].map(\.bitPattern), "\(name) (\(stateDType)): 1 vs 4 threads", file: file, line: line)
    }
}
