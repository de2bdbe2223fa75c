import Foundation
import GNNBench
import GNNFormats
import XCTest

/// The synthetic graph generator at tiny scales: valid files, the promised structure, determinism.
final class SyntheticGraphTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gnn-bench-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func write(_ shape: SyntheticGraphShape, scale: Double, seed: UInt64, name: String) throws -> GraphFile {
        let path = directory.appendingPathComponent(name).path
        let graph = try SyntheticGraph(shape: shape, scale: scale, seed: seed)
        let summary = try SyntheticGraphWriter.write(graph, to: path)
        let file = try GraphFile(path: path)
        XCTAssertEqual(UInt64(try Data(contentsOf: URL(fileURLWithPath: path)).count), summary.fileBytes)
        XCTAssertEqual(file.edgeCount, summary.edges)
        return file
    }

    func testArxivShapeIsAValidGraphWithSortedDistinctRowsLabelsAndSplits() throws {
        let file = try write(.arxiv, scale: 0.001, seed: 7, name: "arxiv.bin")
        XCTAssertEqual(file.nodeCount, 169)  // round(169,343 × 0.001)
        try file.verifyChecksums()
        let report = try file.verifyStructure()
        XCTAssertEqual(report.selfLoops, 0)
        XCTAssertEqual(report.nonFiniteNodeFeatures, 0)
        XCTAssertEqual(file.featureCount, 128)
        XCTAssertEqual(file.features, [.sortedRows, .noDuplicateEdges, .noSelfLoops])
        guard case .u32(let sources) = file.sources else { return XCTFail("sources should be u32") }
        for v in 0..<file.nodeCount {
            let row = Int(file.rowOffsets[v])..<Int(file.rowOffsets[v + 1])
            XCTAssertFalse(row.isEmpty, "every node has at least one incoming edge")
            for e in row.dropFirst() { XCTAssertLessThan(sources[e - 1], sources[e], "row \(v) not strictly ascending") }
        }
        // Mean degree near arxiv's 2 × 1,166,243 / 169,343 ≈ 13.8 (log-normal draws, repeats dropped).
        let mean = Double(file.edgeCount) / Double(file.nodeCount)
        XCTAssertGreaterThan(mean, 9)
        XCTAssertLessThan(mean, 19)
        let labels = try XCTUnwrap(file.labels)
        XCTAssertTrue(labels.allSatisfy { (0..<40).contains($0) })
        var seen = [Int](repeating: 0, count: file.nodeCount)
        for split in SplitName.allCases {
            let ids = try XCTUnwrap(file.split(split))
            for i in 0..<ids.count { seen[ids[i]] += 1 }
        }
        XCTAssertEqual(seen, [Int](repeating: 1, count: file.nodeCount), "the splits partition the nodes")
        XCTAssertNil(file.edgeFeatures)
        XCTAssertNil(file.targets)
    }

    func testProteinsShapeHasSymmetricEdgeFeaturesAndBinaryTargetsAndCapsDegreesAtNMinusOne() throws {
        let file = try write(.proteins, scale: 0.0005, seed: 1, name: "proteins.bin")
        XCTAssertEqual(file.nodeCount, 66)  // round(132,534 × 0.0005)
        try file.verifyChecksums()
        let report = try file.verifyStructure()
        XCTAssertLessThanOrEqual(report.maxInDegree, 65, "no more sources than the N − 1 other nodes")
        XCTAssertGreaterThanOrEqual(report.maxInDegree, 60, "proteins' mean degree 597 exceeds N − 1 here")
        XCTAssertGreaterThan(Double(file.edgeCount) / 66, 0.8 * 65, "degrees stay near the cap")
        let features = try XCTUnwrap(file.edgeFeatures)
        XCTAssertEqual(features.columns, 8)
        guard case .u32(let sources) = file.sources else { return XCTFail("sources should be u32") }
        var byPair: [[Int]: [Float]] = [:]
        var row = [Float](repeating: 0, count: 8)
        for v in 0..<file.nodeCount {
            for e in Int(file.rowOffsets[v])..<Int(file.rowOffsets[v + 1]) {
                features.copyRows(e..<e + 1, into: &row)
                XCTAssertTrue(row.allSatisfy { $0 >= 0 && $0 < 1 })
                let u = Int(sources[e])
                if let other = byPair[[v, u]] { XCTAssertEqual(other, row, "edge \(u)->\(v) differs from \(v)->\(u)") }
                byPair[[u, v]] = row
            }
        }
        let targets = try XCTUnwrap(file.targets)
        XCTAssertEqual(targets.columns, 112)
        var values = [Float](repeating: 0, count: file.nodeCount * 112)
        targets.copyRows(0..<file.nodeCount, into: &values)
        XCTAssertTrue(values.allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertTrue(values.contains(1))
        XCTAssertNil(file.labels)
    }

    func testTheSameSeedGivesTheSameBytesAndAnotherSeedAnotherGraph() throws {
        _ = try write(.products, scale: 0.0001, seed: 3, name: "a.bin")
        _ = try write(.products, scale: 0.0001, seed: 3, name: "b.bin")
        _ = try write(.products, scale: 0.0001, seed: 4, name: "c.bin")
        let bytes = try ["a.bin", "b.bin", "c.bin"].map { try Data(contentsOf: directory.appendingPathComponent($0)) }
        XCTAssertEqual(bytes[0], bytes[1])
        XCTAssertNotEqual(bytes[0], bytes[2])
    }

    func testFeaturesSeparateTheClasses() throws {
        // Features are class mean + unit noise: each node is nearer its own class's centroid than another's
        // for most nodes, which is what makes accuracy on these graphs meaningful.
        let file = try write(.arxiv, scale: 0.005, seed: 0, name: "classes.bin")
        let n = file.nodeCount, f = file.featureCount
        var x = [Float](repeating: 0, count: n * f)
        file.nodeFeatures.copyRows(0..<n, into: &x)
        let labels = try XCTUnwrap(file.labels)
        var centroid = [Double](repeating: 0, count: 40 * f), count = [Double](repeating: 0, count: 40)
        for v in 0..<n {
            count[Int(labels[v])] += 1
            for k in 0..<f { centroid[Int(labels[v]) * f + k] += Double(x[v * f + k]) }
        }
        for c in 0..<40 where count[c] > 0 { for k in 0..<f { centroid[c * f + k] /= count[c] } }
        var correct = 0
        for v in 0..<n {
            let nearest = (0..<40).filter { count[$0] > 0 }.min { a, b in
                (0..<f).reduce(0.0) { $0 + pow(Double(x[v * f + $1]) - centroid[a * f + $1], 2) }
                    < (0..<f).reduce(0.0) { $0 + pow(Double(x[v * f + $1]) - centroid[b * f + $1], 2) }
            }
            if nearest == Int(labels[v]) { correct += 1 }
        }
        XCTAssertGreaterThan(Double(correct) / Double(n), 0.9)
    }

    func testANonPositiveScaleIsRefusedWithOneLine() {
        XCTAssertThrowsError(try SyntheticGraph(shape: .arxiv, scale: 0, seed: 0)) { error in
            XCTAssertTrue(String(describing: error).contains("--scale"))
        }
        XCTAssertThrowsError(try SyntheticGraph(shape: .products, scale: 5000, seed: 0))
    }
}
