import GNNConcurrency
import GNNFormats

/// Measures a packed adjacency's symmetry and self loops, so that the file can state them exactly
/// (`measured-adjacency`) and `predict` can check them against what the model was trained on.
///
/// Needs rows sorted by source (pack always sorts). Each edge u→v (source u in row v) is looked up in row u
/// by binary search: O(M log d) reads, no allocation beyond one flag per piece, parallel over rows.
enum AdjacencyMeasure {
    static func measure(offsets: [UInt64], sources: [UInt32]) -> AdjacencyFacts {
        let nodes = offsets.count - 1
        guard nodes > 0 else { return AdjacencyFacts(symmetric: true, selfLoops: .noLoops) }
        let pieces = 64
        // Per piece: is every edge mirrored, how many rows have exactly one loop, how many rows have any.
        var mirrored = [Bool](repeating: true, count: pieces)
        var oneLoop = [Int](repeating: 0, count: pieces)
        var withLoops = [Int](repeating: 0, count: pieces)
        offsets.withUnsafeBufferPointer { offsets in
            sources.withUnsafeBufferPointer { sources in
                mirrored.withUnsafeMutableBufferPointer { mirrored in
                    oneLoop.withUnsafeMutableBufferPointer { oneLoop in
                        withLoops.withUnsafeMutableBufferPointer { withLoops in
                            ParallelLoop.run(pieces) { piece in
                                var symmetric = true, one = 0, any = 0
                                for v in nodes * piece / pieces..<nodes * (piece + 1) / pieces {
                                    let row = Int(offsets[v])..<Int(offsets[v + 1])
                                    let loops = count(UInt32(v), in: row, sources)
                                    if loops == 1 { one += 1 }
                                    if loops > 0 { any += 1 }
                                    guard symmetric else { continue }
                                    for e in row where Int(sources[e]) != v {
                                        let u = Int(sources[e])
                                        if count(UInt32(v), in: Int(offsets[u])..<Int(offsets[u + 1]), sources) == 0 {
                                            symmetric = false
                                            break
                                        }
                                    }
                                }
                                mirrored[piece] = symmetric
                                oneLoop[piece] = one
                                withLoops[piece] = any
                            }
                        }
                    }
                }
            }
        }
        let loops: SelfLoopFact = oneLoop.reduce(0, +) == nodes ? .onePerNode : (withLoops.reduce(0, +) == 0 ? .noLoops : .mixed)
        return AdjacencyFacts(symmetric: !mirrored.contains(false), selfLoops: loops)
    }

    /// How many times `value` occurs in the sorted `row` of `sources` (two binary searches).
    private static func count(_ value: UInt32, in row: Range<Int>, _ sources: UnsafeBufferPointer<UInt32>) -> Int {
        var low = row.lowerBound, high = row.upperBound
        while low < high {
            let mid = (low + high) / 2
            if sources[mid] < value { low = mid + 1 } else { high = mid }
        }
        var end = low
        while end < row.upperBound && sources[end] == value { end += 1 }
        return end - low
    }
}
