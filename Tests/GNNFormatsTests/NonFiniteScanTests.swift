import GNNFormats
import XCTest

/// `FloatMatrix.scanNonFinite` reads the stored bits of every dtype and lists the first rows in row order
/// whatever the split into pieces.
final class NonFiniteScanTests: XCTestCase {
    func testFloat32RowsAreListedInOrderAcrossPieces() {
        var values = [Float](repeating: 1, count: 20_000 * 3)
        values[9_000 * 3 + 2] = .nan
        values[5 * 3] = .infinity
        values[5 * 3 + 1] = -.infinity
        values[17 * 3] = .greatestFiniteMagnitude
        values.withUnsafeBytes { bytes in
            let matrix = FloatMatrix(dtype: .float32, rows: 20_000, columns: 3, base: bytes.baseAddress)
            XCTAssertEqual(matrix.scanNonFinite(), NonFiniteScan(values: 3, firstRows: [5, 9_000]))
            XCTAssertEqual(matrix.scanNonFinite(limit: 1, threads: 3), NonFiniteScan(values: 3, firstRows: [5]))
            XCTAssertEqual(matrix.scanNonFinite(threads: 1), matrix.scanNonFinite(threads: 2))
        }
    }

    func testHalfAndBFloatBitsAreReadAsStored() {
        // f16: 0x7BFF is the largest finite value, 0x7C00 +inf, 0xFE00 a NaN.
        let half: [UInt16] = [0x7BFF, 0x3C00, 0x7C00, 0x0000, 0xFE00, 0x3C00]
        half.withUnsafeBytes { bytes in
            let matrix = FloatMatrix(dtype: .float16, rows: 3, columns: 2, base: bytes.baseAddress)
            XCTAssertEqual(matrix.scanNonFinite(), NonFiniteScan(values: 2, firstRows: [1, 2]))
        }
        // bf16: 0x7F7F finite, 0x7FC0 a NaN, 0xFF80 −inf.
        let brain: [UInt16] = [0x7F7F, 0x7FC0, 0xFF80, 0x3F80]
        brain.withUnsafeBytes { bytes in
            let matrix = FloatMatrix(dtype: .bfloat16, rows: 4, columns: 1, base: bytes.baseAddress)
            XCTAssertEqual(matrix.scanNonFinite(), NonFiniteScan(values: 2, firstRows: [1, 2]))
        }
    }

    func testEmptyMatricesHaveNothing() {
        XCTAssertEqual(FloatMatrix(dtype: .float32, rows: 0, columns: 4, base: nil).scanNonFinite(), NonFiniteScan(values: 0, firstRows: []))
        XCTAssertEqual(FloatMatrix(dtype: .float32, rows: 4, columns: 0, base: nil).scanNonFinite(), NonFiniteScan(values: 0, firstRows: []))
    }
}

/// `verifyStructure` reports the first rows and edges (CSR positions) with a non-finite feature.
final class NonFiniteStructureReportTests: XCTestCase {
    func testVerifyStructureNamesTheFirstRowsAndEdges() throws {
        let path = try TinyGraph.write { writer in
            writer.add(.edgeFeatures, dtype: .float16, shape: [3, 1]) { try $0.write([UInt16(0x3C00), 0x7E00, 0x3C00]) }
        }
        let report = try GraphFile(path: path).verifyStructure()
        XCTAssertEqual(report.nonFiniteNodeFeatures, 0)
        XCTAssertEqual(report.firstNonFiniteNodeRows, [])
        XCTAssertEqual(report.nonFiniteEdgeFeatures, 1)
        XCTAssertEqual(report.firstNonFiniteEdges, [1])
    }
}
