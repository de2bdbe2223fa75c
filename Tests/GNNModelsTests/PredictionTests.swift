import GNNFormats
@testable import GNNModels
import XCTest

/// Metrics, scores and node selection, checked by hand.
final class PredictionTests: XCTestCase {
    /// The textbook example: scores 0.1, 0.4, 0.35, 0.8 with labels 0, 0, 1, 1 give ROC-AUC 0.75.
    func testROCAUCByHand() {
        let targets: [Float] = [0, 0, 1, 1]
        let auc = targets.withUnsafeBytes { raw in
            Metrics.meanROCAUC(outputs: [0.1, 0.4, 0.35, 0.8], columns: 1,
                               targets: FloatMatrix(dtype: .float32, rows: 4, columns: 1, base: raw.baseAddress),
                               nodes: [0, 1, 2, 3])
        }
        XCTAssertEqual(auc?.value ?? -1, 0.75, accuracy: 1e-12)
        XCTAssertEqual(auc?.tasks, 1)
    }

    /// Node 0 predicts 1 (right), node 1 predicts 1 (wrong), node 2 has no label: 1 of 2.
    func testAccuracySkipsUnlabelledNodes() {
        let labels: [Int32] = [1, 0, -1]
        let accuracy = labels.withUnsafeBufferPointer {
            Metrics.accuracy(outputs: [0, 1, 2, 5, 9, 0], columns: 2, labels: $0, nodes: [0, 1, 2])
        }
        XCTAssertEqual(accuracy?.value, 0.5)
        XCTAssertEqual(accuracy?.count, 2)
    }

    func testSoftmaxByHandAndTopKKeepsTiesInIndexOrder() {
        let p = Scores.softmax([0, Float(log(3.0))])
        XCTAssertEqual(p[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(p[1], 0.75, accuracy: 1e-6)
        XCTAssertEqual(Scores.topK([0.2, 0.5, 0.5, 0.1], 2).map(\.0), [1, 2])
    }

    func testNodeSpecificationsParseRangesAndListsAndRefuseBadOnes() throws {
        XCTAssertEqual(try NodeSelection.parse("2..5", nodeCount: 10), [2, 3, 4])
        XCTAssertEqual(try NodeSelection.parse("9, 0,3", nodeCount: 10), [9, 0, 3])
        XCTAssertThrowsError(try NodeSelection.parse("10", nodeCount: 10))
        XCTAssertThrowsError(try NodeSelection.parse("5..2", nodeCount: 10))
    }

    /// Open ranges run to an end of the graph; a missing file, a bad range and a bad token are told apart.
    func testNodeSpecificationsAcceptOpenRangesAndNameEachMistake() throws {
        XCTAssertEqual(try NodeSelection.parse("7..", nodeCount: 10), [7, 8, 9])
        XCTAssertEqual(try NodeSelection.parse("..2", nodeCount: 10), [0, 1])
        XCTAssertEqual(try NodeSelection.parse("4", nodeCount: 10), [4])
        func message(_ spec: String) -> String {
            do { _ = try NodeSelection.parse(spec, nodeCount: 10); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("nosuchfile.txt"),
                       "--nodes nosuchfile.txt: no such file, and not a node id, range a..b or comma list; check the path, or write e.g. --nodes 0..100 or --nodes 3,5,8")
        XCTAssertEqual(message("1,x,3"), "--nodes 1,x,3: \"x\" is not a node id; give a range a..b, a comma list of ids, or a file of ids")
        XCTAssertEqual(message("5..2"), "--nodes 5..2: the start 5 is after the end 2; write a..b with a ≤ b (b excluded), e.g. --nodes 0..100")
        XCTAssertEqual(message("a..5"), "--nodes a..5: \"a\" is not a node id; give a range a..b, a comma list of ids, or a file of ids")
        XCTAssertEqual(message("12.."), "--nodes 12..: the start 12 is beyond the graph's 10 nodes (0..<10)")
        XCTAssertEqual(message("3..11"), "--nodes 3..11: the end 11 is beyond the graph's 10 nodes (0..<10); end the range at 10 or less, or write 3.. to run to the last node")
    }

    /// An output path's extension picks the format; one that names no format is refused, not written as CSV.
    func testOutputExtensionsNameAFormatOrAreRefused() throws {
        XCTAssertEqual(try PredictionWriter.Format.named(byExtensionOf: "dir.v2/out.NPZ"), .npz)
        XCTAssertEqual(try PredictionWriter.Format.named(byExtensionOf: "out.jsonl"), .jsonl)
        XCTAssertNil(try PredictionWriter.Format.named(byExtensionOf: "dir.v2/out"))
        for path in ["out.json", "out.parquet", "out.tsv"] {
            XCTAssertThrowsError(try PredictionWriter.Format.named(byExtensionOf: path)) { error in
                let ext = path.split(separator: ".").last!
                XCTAssertEqual("\(error)", "-o \(path): .\(ext) is not a format predict writes (known: .csv, .npy, .npz, .jsonl); use one of these extensions or give --format")
            }
        }
    }

    /// A 3-node file whose rows hold input nodes 2, 0, 1: users name input ids, outputs come from rows.
    func testSelectionOfAReorderedGraphNamesInputIds() throws {
        let path = NSTemporaryDirectory() + "ordered-\(UUID().uuidString).bin"
        var writer = GraphFileWriter(nodeCount: 3, edgeCount: 0, features: [])
        writer.add(.rowOffsets, dtype: .uint64, shape: [4]) { try $0.write([UInt64](repeating: 0, count: 4)) }
        writer.add(.sources, dtype: .uint32, shape: [0]) { _ in }
        writer.add(.nodeFeatures, dtype: .float32, shape: [3, 1]) { try $0.write([Float(2), 0, 1]) }
        writer.add(.testSplit, dtype: .uint32, shape: [2]) { try $0.write([UInt32(0), 2]) }
        writer.add(.nodeOrder, dtype: .uint32, shape: [3]) { try $0.write([UInt32(2), 0, 1]) }
        try writer.write(to: path)
        let graph = try GraphFile(path: path)
        let all = try NodeSelection.select(in: graph, nodes: nil, split: nil)
        XCTAssertEqual(all.ids, [0, 1, 2])
        XCTAssertEqual(all.rows, [1, 2, 0])
        let listed = try NodeSelection.select(in: graph, nodes: "2,0", split: nil)
        XCTAssertEqual(listed.rows, [0, 1])
        let test = try NodeSelection.select(in: graph, nodes: nil, split: .test)
        XCTAssertEqual(test.rows, [0, 2])
        XCTAssertEqual(test.ids, [2, 1])
        let writer2 = PredictionWriter(format: .csv, scores: .logits, topK: 1, task: .regression, classNames: nil)
        let text = String(decoding: try writer2.render(outputs: [20, 0, 10], columns: 1, rows: test.rows, ids: test.ids), as: UTF8.self)
        XCTAssertEqual(text, "node,0\n2,20.0\n1,10.0\n")
    }
}
