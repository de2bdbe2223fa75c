import Foundation
import GNNFormats

/// Options of `gnn-serve pack`.
public struct PackOptions: Sendable {
    public var adjacency = AdjacencyOptions()
    /// How node and edge features are stored: f32, f16 or bf16.
    public var featureDType = DType.float32
    /// Replace an existing output file.
    public var overwrite = true
    /// The order of the nodes in the file.
    public var order = NodeOrderMode.none
    /// Nodes per METIS part with `order == .metis`.
    public var partNodes = NodeOrdering.partNodes

    public init(adjacency: AdjacencyOptions = AdjacencyOptions(), featureDType: DType = .float32, overwrite: Bool = true,
                order: NodeOrderMode = .none, partNodes: Int = NodeOrdering.partNodes) {
        self.adjacency = adjacency
        self.featureDType = featureDType
        self.overwrite = overwrite
        self.order = order
        self.partNodes = partNodes
    }
}

/// What `pack` did, for the user.
public struct PackReport: Sendable, Codable {
    public var nodes: Int
    public var edges: AdjacencyReport
    public var nodeFeatures: Int
    public var edgeFeatures: Int
    /// NaN or infinite node-feature values found (kept as they are; reported).
    public var nonFiniteNodeFeatures: Int
    public var nonFiniteEdgeFeatures: Int
    public var fileBytes: UInt64
    /// METIS parts the nodes were grouped by (0 when they keep the input order).
    public var orderParts: Int
}

/// Turns a `GraphInput` into a graph file: CSR by destination, features converted to the chosen dtype,
/// labels, splits and ids copied, all written atomically. With a node order, every section is written in
/// that order (split ids and sources renumbered to rows) and `node.order` records it.
public enum GraphPacker {
    /// Reads `input` (an `.npz`, an OGB directory, a graph file, or an edge list with `featuresPath`), by its content.
    public static func readInput(_ path: String, featuresPath: String?, progress: ProgressSink?) throws -> GraphInput {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw GNNError("does not exist", in: path, fix: "check the path")
        }
        if isDirectory.boolValue { return try OGBGraphReader.read(path, progress: progress) }
        enum Content { case zip, npy, graphFile, modelFile, other }
        let content: Content = try MappedFile(path: path).withBytes { bytes in
            if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
            if Npy.hasMagic(bytes) { return .npy }
            switch try? FileKind.detect(bytes) {
            case .graph: return .graphFile
            case .model: return .modelFile
            case nil: return .other
            }
        }
        switch content {
        case .zip:
            return try NpzGraphReader.read(path)
        case .npy:
            throw GNNError("is a single .npy array, not a graph", in: path,
                           fix: "pass an .npz with edge_index and x, or an edge list with --features \(path)")
        case .graphFile:
            return try PackedGraphReader.read(path)
        case .modelFile:
            throw GNNError("is a gnn-serve model file, not a graph", in: path, fix: "pass a graph input; inspect models with `gnn-serve info`")
        case .other:
            break
        }
        return try EdgeListGraphReader.read(path, features: featuresPath)
    }

    /// Packs `input` into a graph file at `output`. Takes ownership of `input` so the input edge list can be
    /// freed as soon as the adjacency is built, before features are written.
    public static func pack(_ input: consuming GraphInput, to output: String, options: PackOptions,
                            source: String, progress: ProgressSink? = nil) throws -> PackReport {
        try input.validate()
        let nodes = input.nodeCount
        let ordering = options.order == .metis
            ? try NodeOrdering.metis(nodeCount: nodes, edges: input.edges, partNodes: options.partNodes, progress: progress) : nil
        let trackOrigins = input.edgeFeatures != nil
        let adjacency = try ordering.map {
            try CSRBuilder.build(nodeCount: nodes, edges: RelabeledEdges(base: input.edges, row: $0.row),
                                 options: options.adjacency, trackOrigins: trackOrigins, progress: progress)
        } ?? CSRBuilder.build(nodeCount: nodes, edges: input.edges, options: options.adjacency,
                              trackOrigins: trackOrigins, progress: progress)
        input.edges = EdgeArrays(sources: [], destinations: [], location: input.edges.location)
        /// The input node of each file row.
        let inputRows = ordering.map { $0.inputID.map { Int($0) } } ?? Array(0..<nodes)
        func rowOf(_ id: Int64) -> UInt32 { ordering.map { $0.row[Int(id)] } ?? UInt32(id) }
        var report = PackReport(nodes: nodes, edges: adjacency.report, nodeFeatures: input.nodeFeatures.columns,
                                edgeFeatures: input.edgeFeatures?.columns ?? 0, nonFiniteNodeFeatures: 0,
                                nonFiniteEdgeFeatures: 0, fileBytes: 0,
                                orderParts: ordering?.parts ?? 0)
        let nonFinite = NonFiniteCounter()

        var writer = GraphFileWriter(nodeCount: nodes, edgeCount: adjacency.edgeCount, features: adjacency.features)
        writer.add(.rowOffsets, dtype: .uint64, shape: [nodes + 1]) { try $0.write(adjacency.offsets) }
        writer.add(.sources, dtype: .uint32, shape: [adjacency.sources.count]) { try $0.write(adjacency.sources) }
        let featureDType = options.featureDType
        writer.add(.nodeFeatures, dtype: featureDType, shape: [nodes, input.nodeFeatures.columns]) { sink in
            try writeRows(input.nodeFeatures, rows: inputRows, count: nodes, dtype: featureDType,
                          into: &sink, nonFinite: &nonFinite.node, progress: progress, stage: "writing node features")
        }
        if let edgeFeatures = input.edgeFeatures, let origins = adjacency.origins {
            let fill = try selfLoopFill(edgeFeatures, origins: origins, offsets: adjacency.offsets)
            writer.add(.edgeFeatures, dtype: featureDType, shape: [origins.count, edgeFeatures.columns]) { sink in
                let source = RowsWithFill(base: edgeFeatures, fill: fill)
                try writeRows(source, rows: origins.lazy.map { Int($0) }, count: origins.count, dtype: featureDType,
                              into: &sink, nonFinite: &nonFinite.edge, progress: progress, stage: "writing edge features")
            }
        }
        if let labels = input.labels {
            writer.add(.labels, dtype: .int32, shape: [nodes]) { try $0.write(inputRows.map { labels[$0] }) }
        }
        if let targets = input.targets {
            writer.add(.targets, dtype: .float32, shape: [nodes, targets.columns]) { sink in
                var ignored = 0
                try writeRows(targets, rows: inputRows, count: nodes, dtype: .float32,
                              into: &sink, nonFinite: &ignored, progress: nil, stage: "")
            }
        }
        for split in SplitName.allCases {
            guard let ids = input.splits[split] else { continue }
            writer.add(split.section, dtype: .uint32, shape: [ids.count]) { try $0.write(ids.map(rowOf)) }
        }
        if let ids = input.originalIDs {
            writer.add(.originalIDs, dtype: .int64, shape: [nodes]) { try $0.write(inputRows.map { ids[$0] }) }
        }
        if let packedOrder = input.packedOrder {
            writer.add(.nodeOrder, dtype: .uint32, shape: [nodes]) { try $0.write(inputRows.map { packedOrder[$0] }) }
        } else if let ordering {
            writer.add(.nodeOrder, dtype: .uint32, shape: [nodes]) { try $0.write(ordering.inputID) }
        }
        let metadata = try metadataJSON(source: source, input: input, options: options, report: adjacency.report)
        writer.add(.metadata, dtype: .uint8, shape: [metadata.count]) { try $0.write(metadata) }

        report.fileBytes = try writer.write(to: output, overwrite: options.overwrite)
        report.nonFiniteNodeFeatures = nonFinite.node
        report.nonFiniteEdgeFeatures = nonFinite.edge
        return report
    }

    /// Floats converted per chunk when streaming a feature matrix (1 MiB of f32): small against the matrix,
    /// large enough that each chunk's write is one sizeable call.
    private static let conversionChunkFloats = 1 << 18

    /// Converts `rows` of `source` (in the given order) to `dtype` and streams them into `sink`.
    private static func writeRows(_ source: any FloatRowSource, rows: some Sequence<Int>, count: Int, dtype: DType,
                                  into sink: inout SectionSink, nonFinite: inout Int,
                                  progress: ProgressSink?, stage: String) throws {
        let columns = source.columns
        let chunkRows = max(1, conversionChunkFloats / max(columns, 1))
        var floats = [Float](repeating: 0, count: chunkRows * columns)
        var encoded = [UInt8](repeating: 0, count: chunkRows * columns * dtype.size)
        var filled = 0
        var done = 0
        func flush(_ sink: inout SectionSink) throws {
            let values = filled * columns
            floats.withUnsafeBufferPointer { f in
                for value in f.prefix(values) where !value.isFinite { nonFinite += 1 }
                encoded.withUnsafeMutableBytes { FloatConversion.fromFloat(f.baseAddress!, count: values, to: dtype, into: $0.baseAddress!) }
            }
            try encoded.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<values * dtype.size])) }
            done += filled
            filled = 0
            progress?.report(stage, Double(done) / Double(max(count, 1)))
        }
        var pending: [Int] = []
        pending.reserveCapacity(chunkRows)
        for row in rows {
            pending.append(row)
            if pending.count == chunkRows {
                try floats.withUnsafeMutableBufferPointer { out in
                    try copy(source, pending, into: out.baseAddress!)
                }
                filled = pending.count
                pending.removeAll(keepingCapacity: true)
                try flush(&sink)
            }
        }
        if !pending.isEmpty {
            try floats.withUnsafeMutableBufferPointer { out in try copy(source, pending, into: out.baseAddress!) }
            filled = pending.count
            try flush(&sink)
        }
    }

    /// Copies the listed rows, merging runs of consecutive rows into one call.
    private static func copy(_ source: any FloatRowSource, _ rows: [Int], into out: UnsafeMutablePointer<Float>) throws {
        var k = 0
        while k < rows.count {
            var run = 1
            while rows[k] >= 0 && k + run < rows.count && rows[k + run] == rows[k] + run { run += 1 }
            try source.copyRows(rows[k]..<rows[k] + run, into: out + k * source.columns)
            k += run
        }
    }

    /// For rows with an added self loop (origin −1): the mean feature of that node's other incoming edges,
    /// as PyG's `add_self_loops(fill_value="mean")` gives it. Keyed by CSR position.
    private static func selfLoopFill(_ features: any FloatRowSource, origins: [Int64], offsets: [UInt64]) throws -> [Int: [Float]] {
        var fill: [Int: [Float]] = [:]
        let columns = features.columns
        var row = [Float](repeating: 0, count: columns)
        for v in 0..<offsets.count - 1 {
            let range = Int(offsets[v])..<Int(offsets[v + 1])
            guard let loop = range.first(where: { origins[$0] < 0 }) else { continue }
            var sum = [Float](repeating: 0, count: columns)
            var n = 0
            for p in range where origins[p] >= 0 {
                try row.withUnsafeMutableBufferPointer { try features.copyRows(Int(origins[p])..<Int(origins[p]) + 1, into: $0.baseAddress!) }
                for c in 0..<columns { sum[c] += row[c] }
                n += 1
            }
            fill[loop] = n == 0 ? sum : sum.map { $0 / Float(n) }
        }
        return fill
    }

    private static func metadataJSON(source: String, input: GraphInput, options: PackOptions,
                                      report: AdjacencyReport) throws -> [UInt8] {
        struct Document: Encodable {
            var packedBy: String
            var source: String
            var inputFormat: String
            var undirected: Bool
            var selfLoops: String
            var duplicates: String
            var featureDtype: String
            var nodeOrder: String
            var edges: AdjacencyReport
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Document(
            packedBy: "gnn-serve \(GNNVersion.current)", source: source, inputFormat: input.format,
            undirected: options.adjacency.undirected, selfLoops: options.adjacency.selfLoops.rawValue,
            duplicates: options.adjacency.duplicates.rawValue, featureDtype: options.featureDType.description,
            nodeOrder: options.order.rawValue, edges: report)))
    }
}

/// Counts non-finite values found while converting (a class so fill closures can update it).
private final class NonFiniteCounter {
    var node = 0
    var edge = 0
}

/// Edge-feature rows by input edge index, where index −1 stands for an added self loop whose row is
/// given per CSR position in `fill` (rows are requested one CSR position at a time in order).
private final class RowsWithFill: FloatRowSource {
    let base: any FloatRowSource
    let fill: [Int: [Float]]
    private var position = 0

    init(base: any FloatRowSource, fill: [Int: [Float]]) {
        self.base = base
        self.fill = fill
    }

    var rows: Int { base.rows }
    var columns: Int { base.columns }

    func copyRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) throws {
        if range.lowerBound < 0 {
            // Added self loops arrive one at a time: runs never merge across −1.
            let values = fill[position]!
            out.update(from: values, count: values.count)
            position += 1
            return
        }
        try base.copyRows(range, into: out)
        position += range.count
    }
}
