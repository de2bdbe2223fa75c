import GNNFormats

/// Directed edges in input order, readable in chunks (more than once) as (source, destination) pairs.
public protocol EdgeSource {
    /// Edges in the input.
    var edgeCount: Int { get }
    /// Where the edges come from, for messages (`graph.npz:edge_index`).
    var location: String { get }
    /// Calls `body(firstEdge, sources, destinations)` for consecutive chunks covering all edges in order.
    func forEachChunk(_ body: (Int, UnsafeBufferPointer<Int64>, UnsafeBufferPointer<Int64>) throws -> Void) throws
}

extension EdgeSource {
    static var chunkSize: Int { 1 << 16 }
}

/// Edges held as two arrays (parsed from CSV or an OGB edge list).
public struct EdgeArrays: EdgeSource {
    public var sources: [Int64]
    public var destinations: [Int64]
    public let location: String

    public init(sources: [Int64], destinations: [Int64], location: String) {
        precondition(sources.count == destinations.count)
        self.sources = sources
        self.destinations = destinations
        self.location = location
    }

    public var edgeCount: Int { sources.count }

    public func forEachChunk(_ body: (Int, UnsafeBufferPointer<Int64>, UnsafeBufferPointer<Int64>) throws -> Void) throws {
        try sources.withUnsafeBufferPointer { s in
            try destinations.withUnsafeBufferPointer { d in
                var start = 0
                while start < s.count {
                    let end = min(s.count, start + Self.chunkSize)
                    try body(start, UnsafeBufferPointer(rebasing: s[start..<end]), UnsafeBufferPointer(rebasing: d[start..<end]))
                    start = end
                }
            }
        }
    }
}

/// A PyG-style `edge_index` array, shape 2 × M (row 0 sources, row 1 destinations), read in place.
public struct EdgeIndexArray: EdgeSource {
    public let array: NumPyArray

    public init(_ array: NumPyArray) throws {
        guard array.shape.count == 2, array.shape[0] == 2 else {
            throw GNNError("edge_index has shape \(array.shape); expected 2 × M (row 0: sources, row 1: destinations)",
                           in: array.name, fix: "pass edge_index as in PyG, not its transpose")
        }
        guard array.elementType.isInteger else {
            throw GNNError("edge_index has a float dtype; expected integers", in: array.name, fix: "save it as int64")
        }
        self.array = array
    }

    public var edgeCount: Int { array.shape[1] }
    public var location: String { array.name }

    public func forEachChunk(_ body: (Int, UnsafeBufferPointer<Int64>, UnsafeBufferPointer<Int64>) throws -> Void) throws {
        if array.elementType == .int(bytes: 8), !array.fortranOrder, let base = array.data.baseAddress,
           Int(bitPattern: base) % MemoryLayout<Int64>.alignment == 0 {
            // PyG's own layout (int64, C order): read the two rows in place.
            let rows = UnsafeBufferPointer(start: base.assumingMemoryBound(to: Int64.self), count: 2 * edgeCount)
            var start = 0
            while start < edgeCount {
                let end = min(edgeCount, start + Self.chunkSize)
                try body(start, UnsafeBufferPointer(rebasing: rows[start..<end]),
                         UnsafeBufferPointer(rebasing: rows[edgeCount + start..<edgeCount + end]))
                start = end
            }
            return
        }
        var sources = [Int64](repeating: 0, count: Self.chunkSize)
        var destinations = [Int64](repeating: 0, count: Self.chunkSize)
        var start = 0
        while start < edgeCount {
            let end = min(edgeCount, start + Self.chunkSize)
            try sources.withUnsafeMutableBufferPointer { s in
                try destinations.withUnsafeMutableBufferPointer { d in
                    try array.readIntegers(row: 0, range: start..<end, into: s.baseAddress!)
                    try array.readIntegers(row: 1, range: start..<end, into: d.baseAddress!)
                    try body(start, UnsafeBufferPointer(rebasing: s[0..<end - start]), UnsafeBufferPointer(rebasing: d[0..<end - start]))
                }
            }
            start = end
        }
    }
}
