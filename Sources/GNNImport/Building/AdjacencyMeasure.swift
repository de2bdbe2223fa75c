import GNNConcurrency
import GNNFormats

/// Measures a packed adjacency's symmetry and self loops, so that the file can state them exactly
/// (`measured-adjacency`) and `predict` can check them against what the model was trained on.
///
/// Needs rows sorted by source (pack always sorts). Symmetry: every distinct edge u→v with u < v (source u
/// in row v) is looked up in row u by binary search, and the distinct edges with u < v and with u > v are
/// counted. Mirroring is injective, so when every u < v edge has its mirror and the two counts are equal,
/// every u > v edge has one too: half the lookups of checking every edge. O(M log d) reads, no allocation
/// beyond a few counters per piece, parallel over rows; a piece stops looking up at its first unmirrored edge.
public enum AdjacencyMeasure {
    /// With `knownSymmetric` (pack added every reverse edge) only the self loops are counted.
    static func measure(offsets: [UInt64], sources: [UInt32], knownSymmetric: Bool = false) -> AdjacencyFacts {
        offsets.withUnsafeBufferPointer { offsets in
            sources.withUnsafeBufferPointer { measure(offsets: offsets, sources: $0, knownSymmetric: knownSymmetric) }
        }
    }

    /// Measures a graph file that does not record its facts (packed before graph format 1.2), as mapped.
    /// Nil when its rows are not marked sorted, which the binary searches need. Run `verifyStructure` first:
    /// the offsets and sources must be in range.
    public static func measure(_ graph: GraphFile) -> AdjacencyFacts? {
        guard graph.features.contains(.sortedRows) else { return nil }
        switch graph.sources {
        case .u32(let sources): return measure(offsets: graph.rowOffsets, sources: sources, knownSymmetric: false)
        case .u64(let sources): return measure(offsets: graph.rowOffsets, sources: sources, knownSymmetric: false)
        }
    }

    private static func measure<Index: FixedWidthInteger & UnsignedInteger>(
        offsets: UnsafeBufferPointer<UInt64>, sources: UnsafeBufferPointer<Index>, knownSymmetric: Bool) -> AdjacencyFacts {
        let nodes = offsets.count - 1
        guard nodes > 0 else { return AdjacencyFacts(symmetric: true, selfLoops: .noLoops) }
        let pieces = 64
        var tallies = [Tally](repeating: Tally(), count: pieces)
        tallies.withUnsafeMutableBufferPointer { tallies in
            ParallelLoop.run(pieces) { piece in
                var tally = Tally()
                tally.mirrored = !knownSymmetric
                for v in nodes * piece / pieces..<nodes * (piece + 1) / pieces {
                    let row = Int(offsets[v])..<Int(offsets[v + 1])
                    let loops = count(Index(v), in: row, sources)
                    if loops == 1 { tally.oneLoop += 1 }
                    if loops > 0 { tally.withLoops += 1 }
                    guard tally.mirrored else { continue }
                    var previous: Index?
                    for e in row where sources[e] != previous {
                        let u = Int(sources[e])
                        previous = sources[e]
                        if u > v {
                            tally.upper += 1
                        } else if u < v {
                            tally.lower += 1
                            if count(Index(v), in: Int(offsets[u])..<Int(offsets[u + 1]), sources) == 0 {
                                tally.mirrored = false
                                break
                            }
                        }
                    }
                }
                tallies[piece] = tally
            }
        }
        let loops: SelfLoopFact = tallies.reduce(0) { $0 + $1.oneLoop } == nodes ? .onePerNode
            : (tallies.reduce(0) { $0 + $1.withLoops } == 0 ? .noLoops : .mixed)
        let symmetric = knownSymmetric || (tallies.allSatisfy(\.mirrored)
            && tallies.reduce(0) { $0 + $1.lower } == tallies.reduce(0) { $0 + $1.upper })
        return AdjacencyFacts(symmetric: symmetric, selfLoops: loops)
    }

    /// One piece's counts.
    private struct Tally {
        /// Rows with exactly one self loop, and with any.
        var oneLoop = 0, withLoops = 0
        /// Distinct edges u→v with u < v, and with u > v.
        var lower = 0, upper = 0
        /// Whether every u < v edge seen has its mirror.
        var mirrored = true
    }

    /// How many times `value` occurs in the sorted `row` of `sources` (two binary searches).
    private static func count<Index: FixedWidthInteger>(_ value: Index, in row: Range<Int>, _ sources: UnsafeBufferPointer<Index>) -> Int {
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
