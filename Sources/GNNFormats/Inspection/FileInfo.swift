import Foundation

/// What `gnn-serve info` reports about a graph or model file, as data (and stable JSON); the text a person
/// reads is the command line's (`gnn-serve`'s `FileInfo+Text.swift`).
public enum FileInfo: Encodable, Sendable {
    case graph(GraphInfo)
    case model(ModelInfo)

    /// Opens `path`, recognised by its magic, and summarises it. With `verify`, also runs the structural
    /// checks and all checksums (graphs) or decodes every tensor (models).
    public static func inspect(_ path: String, verify: Bool) throws -> FileInfo {
        let kind: FileKind
        do {
            kind = try MappedFile(path: path).withBytes { try FileKind.detect($0) }
        } catch let error as GNNError {
            throw error.located(at: path)
        }
        switch kind {
        case .graph: return .graph(try GraphInfo(GraphFile(path: path), verify: verify))
        case .model: return .model(try ModelInfo(ModelFile(path: path), verify: verify))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .graph(let info): try info.encode(to: encoder)
        case .model(let info): try info.encode(to: encoder)
        }
    }

    /// Pretty, stable JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// A summary of a graph file.
public struct GraphInfo: Encodable, Sendable {
    public struct Section: Encodable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [UInt64]
        public var offset: UInt64
        public var bytes: UInt64
        public var checksum: String
    }

    /// A shard's place in its set and the size of what it exchanges.
    public struct Shard: Encodable, Sendable {
        public var index: Int
        public var count: Int
        public var setID: String
        public var ownedRows: Int
        public var haloRows: Int
        public var cutEdges: Int
        public var wholeNodes: Int
        public var wholeEdges: Int
        public var sentRows: Int
    }

    public var kind = "graph"
    public var path: String
    public var version: String
    public var fileBytes: Int
    public var nodes: Int
    public var edges: Int
    public var nodeFeatures: Int
    public var nodeFeatureDtype: String
    public var edgeFeatures: Int
    public var sourceIndexDtype: String
    public var labels: String
    public var splits: [String: Int]
    public var properties: [String]
    /// "yes", "no" or "unknown" (files before graph format 1.2).
    public var symmetric: String
    /// "one per node", "none", "some" or "unknown" (files before graph format 1.2).
    public var selfLoops: String
    /// Whether the rows are reordered (`node.order`); node ids stay the input's either way.
    public var reordered: Bool
    /// Present for a shard file (`pack --shards`).
    public var shard: Shard?
    public var sections: [Section]
    /// The `meta.json` section, if present, as stored.
    public var packMetadata: String?
    /// Present only with `--verify`.
    public var verification: GraphStructureReport?

    init(_ graph: GraphFile, verify: Bool) throws {
        path = graph.path
        version = graph.preamble.version.description
        fileBytes = Int(graph.sections.last.map { $0.offset + $0.length } ?? 0)
        nodes = graph.nodeCount
        edges = graph.edgeCount
        nodeFeatures = graph.featureCount
        nodeFeatureDtype = graph.section(.nodeFeatures)!.dtype.description
        edgeFeatures = graph.edgeFeatureCount
        sourceIndexDtype = graph.section(.sources)!.dtype.description
        if graph.labels != nil {
            labels = "class ids"
        } else if let targets = graph.targets {
            labels = "\(targets.columns) targets"
        } else {
            labels = "none"
        }
        var splits: [String: Int] = [:]
        for split in SplitName.allCases { if let ids = graph.split(split) { splits[split.rawValue] = ids.count } }
        self.splits = splits
        properties = GraphFeatures.names.filter { graph.features.contains($0.0) }.map(\.1)
        let facts = AdjacencyFacts(graph.features)
        symmetric = facts.symmetricText
        selfLoops = facts.selfLoopText
        reordered = graph.nodeOrder != nil
        shard = try ShardLayout(graph).map {
            Shard(index: $0.index, count: $0.shardCount, setID: String($0.setID, radix: 16).leftPadded(to: 16),
                  ownedRows: $0.ownedCount, haloRows: $0.haloCount, cutEdges: $0.cutEdges,
                  wholeNodes: $0.wholeNodeCount, wholeEdges: $0.wholeEdgeCount, sentRows: $0.send.count)
        }
        sections = graph.sections.map {
            Section(name: $0.name, dtype: $0.dtype.description, shape: $0.shape, offset: $0.offset, bytes: $0.length,
                    checksum: String($0.checksum, radix: 16).leftPadded(to: 16))
        }
        packMetadata = graph.metadataJSON
        if verify {
            verification = try graph.verifyStructure()
            try graph.verifyChecksums()
        }
    }
}

/// A summary of a model file.
public struct ModelInfo: Encodable, Sendable {
    public struct Tensor: Encodable, Sendable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var encoding: String
        public var storedBytes: UInt64
        public var rawBytes: UInt64
        /// For aliases: the tensor whose data this one shares.
        public var aliasOf: String?
        public var buffer: Bool
    }

    public var kind = "model"
    public var path: String
    public var version: String
    public var fileBytes: Int
    public var metadata: ModelMetadata
    public var tensorBytesRaw: UInt64
    public var tensorBytesStored: UInt64
    public var tensors: [Tensor]
    public var verified: Bool
    /// DEQ models: the activation memory of a forward pass.
    public var memoryEstimate: MemoryEstimate?

    /// The activation memory of a DEQ model's forward pass (`EquilibriumMemory`), which does not grow with
    /// the number of iterations.
    public struct MemoryEstimate: Encodable, Sendable {
        /// Copies of the N × hidden state: the solver's and f's.
        public var stateCopies: Int
        public var solverCopies: Int
        /// stateCopies × hidden × 4: multiply by the graph's node count.
        public var bytesPerNode: Int
        /// How the solver's share grows: O(N·D) or O(m·N·D).
        public var order: String

        init(_ architecture: ModelArchitecture, _ solver: SolverSpec) {
            let memory = solver.memory ?? SolverSpec.defaultMemory
            solverCopies = EquilibriumMemory.solverCopies(solver.method, memory: memory)
            stateCopies = EquilibriumMemory.copies(solver.method, memory: memory)
            bytesPerNode = stateCopies * architecture.hiddenChannels * 4
            order = EquilibriumMemory.order(solver.method)
        }
    }

    init(_ model: ModelFile, verify: Bool) throws {
        path = model.path
        version = model.preamble.version.description
        fileBytes = model.fileLength
        metadata = model.metadata
        tensors = model.tensors.map { t in
            Tensor(name: t.name, dtype: t.dtype.description, shape: t.shape, encoding: t.encoding.description,
                   storedBytes: t.storedLength, rawBytes: t.rawLength,
                   aliasOf: t.encoding == .alias ? model.storage(of: t).name : nil, buffer: t.isBuffer)
        }
        let stored = model.tensors.filter { $0.encoding != .alias }
        tensorBytesRaw = stored.reduce(0) { $0 + $1.rawLength }
        tensorBytesStored = stored.reduce(0) { $0 + $1.storedLength }
        if verify { try model.verify() }
        verified = verify
        let architecture = model.metadata.architecture
        if architecture.family == .deq, let solver = architecture.solver {
            memoryEstimate = MemoryEstimate(architecture, solver)
        }
    }
}
