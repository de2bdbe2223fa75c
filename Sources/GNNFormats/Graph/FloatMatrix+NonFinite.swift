import GNNConcurrency

/// NaN and infinity in a feature matrix, found in the dtype stored: a value is non-finite exactly when its
/// exponent bits are all ones (f32 `0x7F80_0000`, f16 `0x7C00`, bf16 `0x7F80`), so no conversion is needed.
/// One NaN in an input row spreads through every aggregation that reads it (a few layers turn most rows
/// NaN), so `predict` refuses such input, naming the rows this scan finds.
public struct NonFiniteScan: Sendable, Equatable {
    /// NaN or infinite values in the whole matrix.
    public var values: Int
    /// Rows holding such a value, in ascending order, at most the `limit` asked for.
    public var firstRows: [Int]

    public init(values: Int, firstRows: [Int]) {
        self.values = values
        self.firstRows = firstRows
    }
}

extension FloatMatrix {
    /// Counts NaN and infinite values and lists the first `limit` rows that hold one: one pass over the
    /// stored bytes, split by rows over `threads` threads. Results do not depend on the thread count.
    public func scanNonFinite(limit: Int = 5, threads: Int = 0) -> NonFiniteScan {
        guard rows > 0, columns > 0, let base else { return NonFiniteScan(values: 0, firstRows: []) }
        let cores = threads > 0 ? threads : ParallelLoop.processorCount
        // Pieces of at least 4096 rows: fewer pieces than cores on small graphs, where threads cost more than the scan.
        let pieces = max(1, min(cores * 4, rows / 4096))
        var results = [NonFiniteScan](repeating: NonFiniteScan(values: 0, firstRows: []), count: pieces)
        let rowBytes = columns * dtype.size
        let (dtype, columns, rows) = (self.dtype, self.columns, self.rows)
        results.withUnsafeMutableBufferPointer { results in
            ParallelLoop.run(pieces, workers: cores) { piece in
                var scan = NonFiniteScan(values: 0, firstRows: [])
                for row in rows * piece / pieces..<rows * (piece + 1) / pieces {
                    let bad = Self.nonFinite(in: base + row * rowBytes, count: columns, dtype: dtype)
                    guard bad > 0 else { continue }
                    scan.values += bad
                    if scan.firstRows.count < limit { scan.firstRows.append(row) }
                }
                results[piece] = scan
            }
        }
        return NonFiniteScan(values: results.reduce(0) { $0 + $1.values },
                             firstRows: Array(results.flatMap(\.firstRows).prefix(limit)))
    }

    /// Non-finite values among `count` elements at `start`.
    private static func nonFinite(in start: UnsafeRawPointer, count: Int, dtype: DType) -> Int {
        var bad = 0
        switch dtype {
        case .float32:
            let bits = start.assumingMemoryBound(to: UInt32.self)
            for i in 0..<count where bits[i] & 0x7F80_0000 == 0x7F80_0000 { bad += 1 }
        case .float16:
            let bits = start.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count where bits[i] & 0x7C00 == 0x7C00 { bad += 1 }
        default:
            let bits = start.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count where bits[i] & 0x7F80 == 0x7F80 { bad += 1 }
        }
        return bad
    }
}
