import Foundation
import GNNFormats
import GNNImport
import TestSupport
import XCTest

/// Packs the fixtures of `Tests/Fixtures/graphs/make_fixtures.py`; every expected array below is worked out by hand.
final class PackTests: XCTestCase {
    static let fixtures = Fixtures.graphs

    private func pack(_ name: String, features: String? = nil, _ options: PackOptions = PackOptions()) throws -> GraphFile {
        let input = try GraphPacker.readInput(Self.fixtures + "/" + name, featuresPath: features.map { Self.fixtures + "/" + $0 }, progress: nil)
        let output = NSTemporaryDirectory() + "pack-\(UUID().uuidString).bin"
        _ = try GraphPacker.pack(input, to: output, options: options, source: name)
        let graph = try GraphFile(path: output)
        try graph.verifyStructure()
        try graph.verifyChecksums()
        return graph
    }

    private func sources(_ graph: GraphFile) -> [Int] { (0..<graph.edgeCount).map { graph.sources[$0] } }

    private func edgeFeatures(_ graph: GraphFile) -> [Float] {
        let matrix = graph.edgeFeatures!
        var values = [Float](repeating: 0, count: matrix.rows * matrix.columns)
        matrix.copyRows(0..<matrix.rows, into: &values)
        return values
    }

    private func nodeFeatures(_ graph: GraphFile) -> [Float] {
        var values = [Float](repeating: 0, count: graph.nodeCount * graph.featureCount)
        graph.nodeFeatures.copyRows(0..<graph.nodeCount, into: &values)
        return values
    }

    /// Keep everything: rows by destination, sorted by source, repeats in input order.
    func testNpzKeepsEdgesAsGiven() throws {
        let graph = try pack("small.npz")
        XCTAssertEqual(Array(graph.rowOffsets), [0, 1, 4, 5, 6, 6])
        XCTAssertEqual(sources(graph), [4, 0, 0, 2, 1, 3])
        XCTAssertEqual(edgeFeatures(graph), [50, 10, 30, 20, 60, 40])
        XCTAssertEqual(nodeFeatures(graph), (0..<10).map(Float.init))
        XCTAssertEqual(Array(graph.labels!), [0, 1, 2, 1, 0])
        XCTAssertEqual((0..<2).map { graph.split(.train)![$0] }, [0, 1])
        XCTAssertEqual(graph.split(.valid)![0], 2)
        XCTAssertEqual((0..<2).map { graph.split(.test)![$0] }, [3, 4])
        XCTAssertFalse(graph.features.contains(.noDuplicateEdges))
        XCTAssertFalse(graph.features.contains(.noSelfLoops))
    }

    func testRemovingDuplicatesAndSelfLoopsKeepsTheFirstOfEachEdge() throws {
        let graph = try pack("small.npz", PackOptions(adjacency: AdjacencyOptions(selfLoops: .remove, duplicates: .remove)))
        XCTAssertEqual(Array(graph.rowOffsets), [0, 1, 3, 4, 4, 4])
        XCTAssertEqual(sources(graph), [4, 0, 2, 1])
        XCTAssertEqual(edgeFeatures(graph), [50, 10, 20, 60])
        XCTAssertTrue(graph.features.isSuperset(of: [.noDuplicateEdges, .noSelfLoops, .sortedRows]))
    }

    /// Undirected: each edge in both directions, then repeats dropped keeping the lowest input edge.
    func testUndirectedAsToUndirectedGivesIt() throws {
        let graph = try pack("small.npz", PackOptions(adjacency: AdjacencyOptions(undirected: true, selfLoops: .remove, duplicates: .remove)))
        XCTAssertEqual(Array(graph.rowOffsets), [0, 2, 4, 5, 5, 6])
        XCTAssertEqual(sources(graph), [1, 4, 0, 2, 1, 0])
        XCTAssertEqual(edgeFeatures(graph), [10, 50, 10, 20, 20, 50])
    }

    /// One self loop per node; its edge features are the mean of the node's other incoming edges (0 if none).
    func testAddingSelfLoopsFillsEdgeFeaturesWithTheMean() throws {
        let graph = try pack("small.npz", PackOptions(adjacency: AdjacencyOptions(selfLoops: .add)))
        XCTAssertEqual(Array(graph.rowOffsets), [0, 2, 6, 8, 9, 10])
        XCTAssertEqual(sources(graph), [0, 4, 0, 0, 1, 2, 1, 2, 3, 4])
        XCTAssertEqual(edgeFeatures(graph), [50, 50, 10, 30, 20, 20, 60, 60, 0, 0])
        XCTAssertTrue(graph.features.contains(.oneSelfLoopPerNode))
    }

    func testBF16FeaturesAreStoredAsBF16() throws {
        let graph = try pack("small.npz", PackOptions(featureDType: .bfloat16))
        XCTAssertEqual(graph.section(.nodeFeatures)?.dtype, .bfloat16)
        XCTAssertEqual(nodeFeatures(graph), (0..<10).map(Float.init))   // small integers are exact in bf16
    }

    func testFortranOrderArraysAreReadAndFloatTargetsAreKeptAsTargets() throws {
        let graph = try pack("fortran.npz")
        XCTAssertEqual(Array(graph.rowOffsets), [0, 1, 2, 3])
        XCTAssertEqual(sources(graph), [2, 0, 1])
        XCTAssertEqual(nodeFeatures(graph), [1, 2, 3, 4, 5, 6])
        var targets = [Float](repeating: 0, count: 6)
        graph.targets!.copyRows(0..<3, into: &targets)
        XCTAssertEqual(targets, [1, 0, 0, 1, 1, 1])
        XCTAssertNil(graph.labels)
    }

    func testOGBLayoutPacksEdgesFeaturesLabelsAndSplits() throws {
        let graph = try pack("ogb")
        XCTAssertEqual(Array(graph.rowOffsets), [0, 1, 2, 3])
        XCTAssertEqual(sources(graph), [2, 0, 1])
        XCTAssertEqual(edgeFeatures(graph), [3, 1, 2])
        XCTAssertEqual(nodeFeatures(graph), [0.5, 1.5, -2, 0.3, 7, 8])
        XCTAssertEqual(Array(graph.labels!), [2, 0, 1])
        XCTAssertEqual(graph.split(.train)?.count, 2)
        XCTAssertEqual(graph.split(.test)?.count, 0)
    }

    func testEdgeListWithFeaturesFilePacksToCSR() throws {
        let graph = try pack("edges.tsv", features: "features.npy")
        XCTAssertEqual(Array(graph.rowOffsets), [0, 1, 3, 3])
        XCTAssertEqual(sources(graph), [1, 0, 2])
    }

    /// Two 4-cliques with interleaved ids, {0, 2, 4, 6} and {1, 3, 5, 7}, joined by the edge 6 — 7. In
    /// parts of 4 nodes the only cut of one edge separates the cliques, so METIS must store one clique
    /// after the other; every section follows, and node.order maps rows back to input ids.
    func testMetisOrderStoresCommunitiesTogetherAndKeepsIds() throws {
        let cliques = [[0, 2, 4, 6], [1, 3, 5, 7]]
        var pairs = cliques.flatMap { clique in clique.flatMap { u in clique.filter { $0 != u }.map { (u, $0) } } }
        pairs += [(6, 7), (7, 6)]
        let features = (0..<8).flatMap { [Float($0), Float(10 * $0)] }
        func input() -> GraphInput {
            var input = GraphInput(nodeCount: 8, edges: EdgeArrays(sources: pairs.map { Int64($0.0) }, destinations: pairs.map { Int64($0.1) },
                                                                   location: "cliques"),
                                   nodeFeatures: FloatMatrixValues(values: features, rows: 8, columns: 2), format: "test")
            input.labels = (0..<8).map { Int32($0 % 2) }
            input.splits[.train] = [0, 1]
            input.splits[.test] = [7]
            return input
        }
        let path = NSTemporaryDirectory() + "metis-\(UUID().uuidString).bin"
        let report = try GraphPacker.pack(input(), to: path, options: PackOptions(order: .metis, partNodes: 4), source: "cliques")
        XCTAssertEqual(report.orderParts, 2)
        let graph = try GraphFile(path: path)
        try graph.verifyStructure()
        let order = (0..<8).map { graph.nodeOrder![$0] }
        XCTAssertTrue(order == [0, 2, 4, 6, 1, 3, 5, 7] || order == [1, 3, 5, 7, 0, 2, 4, 6], "order \(order)")
        let numbering = try NodeNumbering(graph)
        XCTAssertEqual(nodeFeatures(graph), order.flatMap { [Float($0), Float(10 * $0)] })
        XCTAssertEqual(Array(graph.labels!), order.map { Int32($0 % 2) })
        XCTAssertEqual((0..<2).map { numbering.inputID(ofRow: graph.split(.train)![$0]) }, [0, 1])
        XCTAssertEqual(numbering.inputID(ofRow: graph.split(.test)![0]), 7)
        var edges = Set<[Int]>()
        for row in 0..<8 {
            for e in Int(graph.rowOffsets[row])..<Int(graph.rowOffsets[row + 1]) {
                edges.insert([numbering.inputID(ofRow: graph.sources[e]), numbering.inputID(ofRow: row)])
            }
        }
        XCTAssertEqual(edges, Set(pairs.map { [$0.0, $0.1] }))

        // Packing the file again keeps naming the first input's nodes, with or without a new order.
        for options in [PackOptions(), PackOptions(order: .metis, partNodes: 4)] {
            let again = NSTemporaryDirectory() + "repack-\(UUID().uuidString).bin"
            _ = try GraphPacker.pack(GraphPacker.readInput(path, featuresPath: nil, progress: nil), to: again, options: options, source: path)
            let repacked = try GraphFile(path: again)
            let ids = try NodeNumbering(repacked)
            XCTAssertEqual(nodeFeatures(repacked), (0..<8).flatMap { [Float(ids.inputID(ofRow: $0)), Float(10 * ids.inputID(ofRow: $0))] })
            XCTAssertEqual(repacked.edgeCount, pairs.count)
        }
    }

    /// small.npz's edges with their features, as testNpzKeepsEdgesAsGiven checks them, survive a repack in
    /// METIS order: the same (source id, destination id, feature) triples, named by input ids.
    func testRepackingInMetisOrderKeepsEdgeFeaturesWithTheirEdges() throws {
        let path = NSTemporaryDirectory() + "small-\(UUID().uuidString).bin"
        _ = try GraphPacker.pack(GraphPacker.readInput(Self.fixtures + "/small.npz", featuresPath: nil, progress: nil),
                                 to: path, options: PackOptions(), source: "small.npz")
        let again = NSTemporaryDirectory() + "small-metis-\(UUID().uuidString).bin"
        let report = try GraphPacker.pack(GraphPacker.readInput(path, featuresPath: nil, progress: nil), to: again,
                                          options: PackOptions(order: .metis, partNodes: 2), source: path)
        XCTAssertEqual(report.orderParts, 3)
        let graph = try GraphFile(path: again)
        try graph.verifyStructure()
        let ids = try NodeNumbering(graph), features = edgeFeatures(graph)
        var triples: [[Float]] = []
        for row in 0..<graph.nodeCount {
            for e in Int(graph.rowOffsets[row])..<Int(graph.rowOffsets[row + 1]) {
                triples.append([Float(ids.inputID(ofRow: graph.sources[e])), Float(ids.inputID(ofRow: row)), features[e]])
            }
        }
        // Rows of small.npz: 4→0 (50), 0→1 (10), 0→1 (30), 2→1 (20), 1→2 (60), 3→3 (40).
        let expected: [[Float]] = [[4, 0, 50], [0, 1, 10], [0, 1, 30], [2, 1, 20], [1, 2, 60], [3, 3, 40]]
        XCTAssertEqual(triples.sorted { $0.lexicographicallyPrecedes($1) }, expected.sorted { $0.lexicographicallyPrecedes($1) })
        XCTAssertEqual(nodeFeatures(graph), (0..<5).flatMap { [Float(2 * ids.inputID(ofRow: $0)), Float(2 * ids.inputID(ofRow: $0) + 1)] })
    }

    func testBadInputsGiveOneClearLine() {
        func attempt(_ name: String, features: String? = nil) throws {
            _ = try pack(name, features: features)
        }
        assertGNNError("edge 1 has source 7, not a node id (0..<5)") { try attempt("bad_index.npz") }
        assertGNNError("has no array \"x\"") { try attempt("missing_x.npz") }
        assertGNNError("edge features have 3 rows but there are 2 edges") { try attempt("edge_rows.npz") }
        assertGNNError("the graph has no nodes") { try attempt("empty.npz") }
        assertGNNError("edge_index has a float dtype") { try attempt("float_index.npz") }
        assertGNNError("expected 2 × M") { try attempt("transposed.npz") }
        assertGNNError("truncated.npz") { try attempt("truncated.npz") }
        assertGNNError("not in OGB's layout: raw/edge.csv.gz is missing") { try attempt("not_ogb") }
        assertGNNError("pass --features") { try attempt("edges.tsv") }
        assertGNNError("does not exist") { try attempt("no-such-file.npz") }
        assertGNNError("a single .npy array") { try attempt("features.npy") }
        assertGNNError("is a gnn-serve model file, not a graph") {
            let model = NSTemporaryDirectory() + "model-\(UUID().uuidString).gnnz"
            FileManager.default.createFile(atPath: model, contents: Data([0x89, 0x47, 0x4E, 0x4E, 0x4D, 0x0D, 0x0A, 0x1A] + [UInt8](repeating: 0, count: 120)))
            _ = try GraphPacker.readInput(model, featuresPath: nil, progress: nil)
        }
    }

    func testPackRefusesToReplaceWhenAskedNotTo() throws {
        let input = try GraphPacker.readInput(Self.fixtures + "/small.npz", featuresPath: nil, progress: nil)
        let output = NSTemporaryDirectory() + "exists-\(UUID().uuidString).bin"
        FileManager.default.createFile(atPath: output, contents: Data([1, 2, 3]))
        assertGNNError("already exists") {
            try GraphPacker.pack(input, to: output, options: PackOptions(overwrite: false), source: "small.npz")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: output), Data([1, 2, 3]))
    }
}

