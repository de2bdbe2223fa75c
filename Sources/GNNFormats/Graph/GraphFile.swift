/// A graph file opened in place: header and section table parsed and checked, arrays memory-mapped.
///
/// Opening reads only the header and the table (O(1) in the arrays' size); the arrays are read from disk
/// when first touched. `verifyStructure()` and `verifyChecksums()` are the deeper, O(file) checks.
///
/// ```swift
/// let graph = try GraphFile(path: "graph.bin")
/// try graph.verifyStructure()
/// let firstIncoming = graph.rowOffsets[0]..<graph.rowOffsets[1]
/// ```
public final class GraphFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    public let preamble: FilePreamble
    /// N: the number of nodes.
    public let nodeCount: Int
    /// M: the number of directed edges.
    public let edgeCount: Int
    /// The section table, in file order.
    public let sections: [GraphSection]
    /// Facts the writer guarantees about the adjacency (optional feature bits this reader knows).
    public var features: GraphFeatures { GraphFeatures(rawValue: preamble.optionalFeatures) }

    private let file: MappedFile
    var fileBytes: UnsafeRawBufferPointer { file.bytes }
    /// Where the section table ends; the first section starts at the next 4096-byte boundary.
    let tableEnd: UInt64

    /// Maps the file and checks its header and section table; the arrays are not read.
    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
            let bytes = file.bytes
            preamble = try FilePreamble.read(bytes, expecting: .graph, readerVersion: GraphFormat.version,
                                             knownRequiredFeatures: GraphFormat.knownRequiredFeatures)
            let header = try GraphFileHeader.read(bytes)
            nodeCount = try Checked.int(header.nodeCount, "node count")
            edgeCount = try Checked.int(header.edgeCount, "edge count")
            sections = try GraphFile.readTable(bytes, header: header)
            let ordered = preamble.requiredFeatures & GraphFormat.nodeOrderFeature != 0
            guard ordered == sections.contains(where: { $0.kind == .nodeOrder }) else {
                throw GNNError(ordered ? "sets required bit 0 (reordered rows) but has no node.order section"
                                       : "has a node.order section without required bit 0 (reordered rows)",
                               fix: "pack the graph again")
            }
            let sharded = preamble.requiredFeatures & GraphFormat.shardFeature != 0
            guard sharded == sections.contains(where: { $0.kind == .shardSet }) else {
                throw GNNError(sharded ? "sets required bit 1 (shard) but has no shard.set section"
                                       : "has a shard.set section without required bit 1 (shard)",
                               fix: "pack the shards again")
            }
            let ownedFirst = preamble.requiredFeatures & GraphFormat.ownedFirstFeature != 0
            guard ownedFirst == sharded else {
                throw GNNError(sharded ? "is a shard written before graph format 1.4 (its halo rows lie among its owned rows), which this gnn-serve no longer runs"
                                       : "sets required bit 2 (owned rows first) but is not a shard",
                               fix: "pack the shards again")
            }
            tableEnd = header.tableOffset + UInt64(header.sectionCount) * UInt64(header.entrySize)
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }

    // MARK: Sections

    /// The table entry named `kind`, if present.
    public func section(_ kind: GraphSectionKind) -> GraphSection? {
        sections.first { $0.name == kind.rawValue }
    }

    /// The raw bytes of `section`.
    public func bytes(of section: GraphSection) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[Int(section.offset)..<Int(section.offset + section.length)])
    }

    func typed<T>(_ kind: GraphSectionKind, as _: T.Type) -> UnsafeBufferPointer<T>? {
        guard let section = section(kind) else { return nil }
        return bytes(of: section).assumingMemoryBound(to: T.self)
    }

    /// CSR row offsets by destination, N+1 entries from 0 to M.
    public var rowOffsets: UnsafeBufferPointer<UInt64> { typed(.rowOffsets, as: UInt64.self)! }

    /// The source node of every edge, grouped by destination row.
    public var sources: NodeIndexArray { indexArray(section(.sources)!) }

    /// Node features, N × F.
    public var nodeFeatures: FloatMatrix { floatMatrix(section(.nodeFeatures)!) }

    /// Drops the node features' pages from resident memory (they are re-read from the file if used again).
    public func releaseNodeFeatures() {
        let section = section(.nodeFeatures)!
        file.release(Int(section.offset)..<Int(section.offset + section.length))
    }

    /// `releaseNodeFeatures` for the rows `rows` only (the pages wholly inside them), as an input layer that
    /// reads the features a block of rows at a time finishes each block: the features are then never all
    /// resident at once, next to the state the layer writes.
    public func releaseNodeFeatures(rows: Range<Int>) {
        let offset = Int(section(.nodeFeatures)!.offset), features = nodeFeatures, rowBytes = features.columns * features.dtype.size
        file.releasePages(within: offset + rows.lowerBound * rowBytes..<offset + rows.upperBound * rowBytes)
    }

    /// Edge features in CSR order, M × E, if the file has them.
    public var edgeFeatures: FloatMatrix? { section(.edgeFeatures).map(floatMatrix) }

    /// F: features per node.
    public var featureCount: Int { Int(section(.nodeFeatures)!.shape[1]) }

    /// E: features per edge, 0 without edge features.
    public var edgeFeatureCount: Int { section(.edgeFeatures).map { Int($0.shape[1]) } ?? 0 }

    /// Class id per node (−1 where unlabelled), if the file has them.
    public var labels: UnsafeBufferPointer<Int32>? { typed(.labels, as: Int32.self) }

    /// Per-task targets, N × T, if the file has them.
    public var targets: FloatMatrix? { section(.targets).map(floatMatrix) }

    /// The node ids of `split`, if the file has it.
    public func split(_ split: SplitName) -> NodeIndexArray? { section(split.section).map(indexArray) }

    /// Each node's id in the packed input, if recorded.
    public var originalIDs: UnsafeBufferPointer<Int64>? { typed(.originalIDs, as: Int64.self) }

    /// The input node stored at each row, when the nodes were reordered at pack time (`NodeNumbering`
    /// translates between rows and input ids).
    public var nodeOrder: NodeIndexArray? { section(.nodeOrder).map(indexArray) }

    /// Whether the file is one shard of a graph (§6.2; `ShardLayout` reads its sections).
    public var isShard: Bool { section(.shardSet) != nil }

    /// A shard's (in-edges, self loops) in the whole graph for each row, as N × 2 values.
    public var shardDegrees: UnsafeBufferPointer<UInt64>? { typed(.shardDegrees, as: UInt64.self) }

    /// The informational JSON object written by `pack`, as text.
    public var metadataJSON: String? {
        section(.metadata).map { String(decoding: bytes(of: $0), as: UTF8.self) }
    }

    func indexArray(_ section: GraphSection) -> NodeIndexArray {
        let raw = bytes(of: section)
        return section.dtype == .uint32 ? .u32(raw.assumingMemoryBound(to: UInt32.self))
                                        : .u64(raw.assumingMemoryBound(to: UInt64.self))
    }

    private func floatMatrix(_ section: GraphSection) -> FloatMatrix {
        FloatMatrix(dtype: section.dtype, rows: Int(section.shape[0]), columns: Int(section.shape[1]),
                    base: bytes(of: section).baseAddress)
    }

    // MARK: Table checks

    private static func readTable(_ bytes: UnsafeRawBufferPointer, header: GraphFileHeader) throws -> [GraphSection] {
        try FilePreamble.checkFileLength(header.fileLength, actual: bytes.count, remedy: "copy or pack it again")
        guard header.sectionCount <= GraphFormat.maxSections else {
            throw GNNError("section count \(header.sectionCount) exceeds the limit of \(GraphFormat.maxSections)")
        }
        guard header.entrySize >= GraphFormat.entrySize, header.entrySize % 8 == 0, header.entrySize <= 4096 else {
            throw GNNError("section table entry size \(header.entrySize) is invalid (expected \(GraphFormat.entrySize))")
        }
        let tableLength = UInt64(header.sectionCount) * UInt64(header.entrySize)
        guard header.tableOffset == UInt64(GraphFormat.headerSize),
              tableLength <= UInt64(bytes.count) - header.tableOffset else {
            throw GNNError("section table (\(header.sectionCount) entries at byte \(header.tableOffset)) does not fit in the file")
        }
        let table = UnsafeRawBufferPointer(rebasing: bytes[Int(header.tableOffset)..<Int(header.tableOffset + tableLength)])
        guard Checksum.of(table) == header.tableChecksum else {
            throw GNNError("section table checksum mismatch (bytes \(header.tableOffset)..<\(header.tableOffset + tableLength)); the table is damaged",
                           fix: "pack the graph again")
        }
        var sections: [GraphSection] = []
        for index in 0..<Int(header.sectionCount) {
            var reader = ByteReader(table, at: index * Int(header.entrySize), context: "section table")
            sections.append(try GraphSection.read(&reader, index: index))
        }
        try checkLayout(sections, tableEnd: header.tableOffset + tableLength, fileLength: header.fileLength)
        try checkSchema(sections, nodes: header.nodeCount, edges: header.edgeCount)
        return sections
    }

    /// Sections must follow one another in table order, each at the next 4096-byte boundary, and end the file.
    private static func checkLayout(_ sections: [GraphSection], tableEnd: UInt64, fileLength: UInt64) throws {
        var expectedOffset = try Checked.alignUp(tableEnd, to: GraphFormat.alignment)
        var names = Set<String>()
        for section in sections {
            guard names.insert(section.name).inserted else {
                throw GNNError("section \"\(section.name)\" appears twice in the table")
            }
            let elements = try Checked.product(section.shape, "section \"\(section.name)\" element count")
            let length = try Checked.multiply(elements, UInt64(section.dtype.size), "section \"\(section.name)\" size")
            guard section.length == length else {
                throw GNNError("section \"\(section.name)\" has length \(section.length) but its shape \(section.shape) of \(section.dtype) needs \(length)")
            }
            guard section.offset == expectedOffset else {
                throw GNNError("section \"\(section.name)\" starts at byte \(section.offset), expected \(expectedOffset) (sections follow each other at \(GraphFormat.alignment)-byte boundaries)")
            }
            let end = try Checked.add(section.offset, section.length, "section \"\(section.name)\" end")
            guard end <= fileLength else {
                throw GNNError("section \"\(section.name)\" ends at byte \(end) but the file has \(fileLength) bytes")
            }
            expectedOffset = try Checked.alignUp(end, to: GraphFormat.alignment)
            if section == sections.last, end != fileLength {
                throw GNNError("the last section ends at byte \(end) but the file has \(fileLength) bytes")
            }
        }
    }

    /// Known sections must have their dtype and shape; required sections must be present.
    private static func checkSchema(_ sections: [GraphSection], nodes: UInt64, edges: UInt64) throws {
        guard nodes > 0 else {
            throw GNNError("the graph has no nodes", fix: "pack a graph with at least one node")
        }
        guard nodes < UInt64(Int32.max) * 64, edges < UInt64(Int.max) / 16 else {
            throw GNNError("node count \(nodes) or edge count \(edges) is beyond what this reader supports")
        }
        for kind in GraphSectionKind.allCases where kind.isRequired {
            guard sections.contains(where: { $0.name == kind.rawValue }) else {
                throw GNNError("required section \"\(kind.rawValue)\" is missing")
            }
        }
        for section in sections {
            guard let kind = section.kind else { continue }
            guard kind.allowedDTypes.contains(section.dtype) else {
                throw GNNError("section \"\(section.name)\" has dtype \(section.dtype); allowed: \(kind.allowedDTypes.map(\.description).joined(separator: ", "))")
            }
            let (rows, rank) = kind.expectedShape(nodes: nodes, edges: edges)
            guard section.shape.count == rank else {
                throw GNNError("section \"\(section.name)\" has rank \(section.shape.count), expected \(rank)")
            }
            if let rows, section.shape[0] != rows {
                throw GNNError("section \"\(section.name)\" has \(section.shape[0]) rows, expected \(rows) (N = \(nodes), M = \(edges))")
            }
            if kind == .sources, section.dtype == .uint32, nodes > UInt64(UInt32.max) {
                throw GNNError("section \"csr.sources\" is u32 but the graph has \(nodes) nodes")
            }
        }
    }
}

/// The graph header after the preamble (bytes 32..<128).
///
/// | offset | size | field |
/// |---|---|---|
/// | 32 | 8 | N, node count |
/// | 40 | 8 | M, edge count |
/// | 48 | 4 | section count |
/// | 52 | 4 | section table entry size (80) |
/// | 56 | 8 | section table offset (128) |
/// | 64 | 8 | XXH3-64 of the section table |
/// | 72 | 8 | file length in bytes |
/// | 80 | 40 | reserved, zero |
/// | 120 | 8 | XXH3-64 of bytes 0..<120 |
struct GraphFileHeader {
    var nodeCount: UInt64
    var edgeCount: UInt64
    var sectionCount: UInt32
    var entrySize: UInt32
    var tableOffset: UInt64
    var tableChecksum: UInt64
    var fileLength: UInt64

    static func read(_ bytes: UnsafeRawBufferPointer) throws -> GraphFileHeader {
        var reader = try FilePreamble.sealedHeader(bytes, kind: .graph, remedy: "pack the graph again")
        let header = GraphFileHeader(
            nodeCount: try reader.read(), edgeCount: try reader.read(),
            sectionCount: try reader.read(), entrySize: try reader.read(),
            tableOffset: try reader.read(), tableChecksum: try reader.read(), fileLength: try reader.read())
        guard try reader.readBytes(40).allSatisfy({ $0 == 0 }) else {
            throw GNNError("header has non-zero reserved bytes (80..<120)")
        }
        return header
    }

    func write(to writer: inout ByteWriter) {
        writer.write(nodeCount)
        writer.write(edgeCount)
        writer.write(sectionCount)
        writer.write(entrySize)
        writer.write(tableOffset)
        writer.write(tableChecksum)
        writer.write(fileLength)
        writer.write([UInt8](repeating: 0, count: 40))
    }
}
