/// Constants of the graph file format, version 1.4. `formats/graph.md` is the specification.
public enum GraphFormat {
    /// The version this code writes, and the newest major version it reads.
    public static let version = FormatVersion(major: 1, minor: 4)
    /// Bytes in the fixed header.
    public static let headerSize = FilePreamble.headerSize
    /// Bytes in one section-table entry.
    public static let entrySize = 80
    /// Every section starts at a multiple of this (a page), so mapped arrays are page-aligned.
    public static let alignment: UInt64 = 4096
    /// Longest section name, in bytes.
    public static let maxNameLength = 24
    /// Most sections a file may have; a larger count marks a damaged table.
    public static let maxSections = 1024
    /// Required feature bit 0 (1.1): the rows are reordered and `node.order` maps them to input ids. A
    /// reader that ignored that section would name every node wrongly, so 1.0 readers must refuse the file.
    public static let nodeOrderFeature: UInt64 = 1
    /// Required feature bit 1 (1.3): the file is one shard of a graph split for `mpirun` (`shard.*`
    /// sections, §6.2). Its rows include halo copies of other shards' nodes, so a reader that took it for
    /// a whole graph would score those wrongly.
    public static let shardFeature: UInt64 = 2
    /// Required feature bit 2 (1.4), set on every shard with bit 1: the owned rows come first and the halo
    /// rows after them, so each owned row's sources (in the whole file's order) are no longer ascending in
    /// shard rows, whatever `sorted-rows` says of the whole file. A 1.3 reader, which would take that bit
    /// for the shard's rows, must refuse the file; shards without it (1.3's) are refused here.
    public static let ownedFirstFeature: UInt64 = 4
    /// Required feature bits this reader understands.
    public static let knownRequiredFeatures: UInt64 = nodeOrderFeature | shardFeature | ownedFirstFeature
}

/// Optional feature bits of a graph file: facts the writer guarantees, which a reader may use or ignore.
public struct GraphFeatures: OptionSet, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The sources of every CSR row are in ascending order.
    public static let sortedRows = GraphFeatures(rawValue: 1 << 0)
    /// No (source, destination) pair appears twice.
    public static let noDuplicateEdges = GraphFeatures(rawValue: 1 << 1)
    /// No edge goes from a node to itself.
    public static let noSelfLoops = GraphFeatures(rawValue: 1 << 2)
    /// Every node has exactly one self loop.
    public static let oneSelfLoopPerNode = GraphFeatures(rawValue: 1 << 3)
    /// For every edge u→v the edge v→u is present too.
    public static let symmetric = GraphFeatures(rawValue: 1 << 4)
    /// (1.2) The writer measured symmetry and self loops, so bits 2–4 are exact: a clear bit means the fact
    /// does not hold. Without it a clear bit means "unknown" (files written before 1.2).
    public static let measuredAdjacency = GraphFeatures(rawValue: 1 << 5)

    /// Names for `info`, in bit order.
    public static let names: [(GraphFeatures, String)] = [
        (.sortedRows, "sorted-rows"), (.noDuplicateEdges, "no-duplicate-edges"), (.noSelfLoops, "no-self-loops"),
        (.oneSelfLoopPerNode, "one-self-loop-per-node"), (.symmetric, "symmetric"),
        (.measuredAdjacency, "measured-adjacency"),
    ]
}

/// The sections a graph file may hold: name, allowed dtypes and shape in terms of N, M and free dims.
///
/// This table is the single source of truth for section names; `formats/graph.md` lists the same.
public enum GraphSectionKind: String, CaseIterable, Sendable {
    /// u64 [N+1]: CSR row offsets by destination; row v's incoming edges are `offsets[v]..<offsets[v+1]`.
    case rowOffsets = "csr.offsets"
    /// u32 or u64 [M]: the source node of each edge, grouped by destination.
    case sources = "csr.sources"
    /// f32, f16 or bf16 [N, F]: node features, row-major.
    case nodeFeatures = "node.features"
    /// f32, f16 or bf16 [M, E]: edge features in CSR order.
    case edgeFeatures = "edge.features"
    /// i32 [N]: class id per node, −1 where unlabelled.
    case labels = "node.labels"
    /// f32 [N, T]: per-task targets (multi-label 0/1 or regression), NaN where missing.
    case targets = "node.targets"
    /// u32 or u64 [K]: node ids of the training split.
    case trainSplit = "split.train"
    /// u32 or u64 [K]: node ids of the validation split.
    case validSplit = "split.valid"
    /// u32 or u64 [K]: node ids of the test split.
    case testSplit = "split.test"
    /// i64 [N]: each node's id in the input the graph was packed from.
    case originalIDs = "node.original_ids"
    /// u32 or u64 [N]: the input node stored at each row, when pack reordered the nodes (a permutation).
    case nodeOrder = "node.order"
    /// u8 [B]: a UTF-8 JSON object describing where the graph came from (informational).
    case metadata = "meta.json"
    /// u64 [8] (1.3, shards): set id, shard count, shard index, whole N, whole M, owned rows, halo rows, cut edges.
    case shardSet = "shard.set"
    /// u64 [N] (1.3, shards): the input id of each local row.
    case shardNodeIDs = "shard.node_ids"
    /// u32 or u64 [H] (1.3, shards): the halo's local rows, grouped by owning shard.
    case shardHalo = "shard.halo"
    /// u64 [K] (1.3, shards): halo rows owned by each shard.
    case shardHaloCounts = "shard.halo_counts"
    /// u32 or u64 [S] (1.3, shards): the owned local rows each other shard reads, grouped by reader.
    case shardSend = "shard.send"
    /// u64 [K] (1.3, shards): rows sent to each shard.
    case shardSendCounts = "shard.send_counts"
    /// u64 [N, 2] (1.3, shards): each local row's in-edges and self loops in the whole graph.
    case shardDegrees = "shard.degrees"
    /// u64 [K] (1.3, shards): the place of each entry of `split.train` in the whole graph's train split.
    case shardTrainPositions = "shard.train_positions"
    /// u64 [K] (1.3, shards): the same for `split.valid`.
    case shardValidPositions = "shard.valid_positions"
    /// u64 [K] (1.3, shards): the same for `split.test`.
    case shardTestPositions = "shard.test_positions"

    /// The dtypes this section may have.
    public var allowedDTypes: [DType] {
        switch self {
        case .rowOffsets: [.uint64]
        case .sources, .trainSplit, .validSplit, .testSplit, .nodeOrder, .shardHalo, .shardSend: [.uint32, .uint64]
        case .shardSet, .shardNodeIDs, .shardHaloCounts, .shardSendCounts, .shardDegrees,
             .shardTrainPositions, .shardValidPositions, .shardTestPositions: [.uint64]
        case .nodeFeatures, .edgeFeatures: [.float32, .float16, .bfloat16]
        case .labels: [.int32]
        case .targets: [.float32]
        case .originalIDs: [.int64]
        case .metadata: [.uint8]
        }
    }

    /// Whether every graph file must have this section.
    public var isRequired: Bool { self == .rowOffsets || self == .sources || self == .nodeFeatures }

    /// The expected leading dimension and rank, given the file's node and edge counts.
    /// `nil` leading dimension means any length (splits, metadata).
    func expectedShape(nodes: UInt64, edges: UInt64) -> (rows: UInt64?, rank: Int) {
        switch self {
        case .rowOffsets: (nodes &+ 1, 1)
        case .sources: (edges, 1)
        case .nodeFeatures, .targets: (nodes, 2)
        case .edgeFeatures: (edges, 2)
        case .labels, .originalIDs, .nodeOrder, .shardNodeIDs: (nodes, 1)
        case .trainSplit, .validSplit, .testSplit, .metadata, .shardHalo, .shardHaloCounts, .shardSend, .shardSendCounts,
             .shardTrainPositions, .shardValidPositions, .shardTestPositions: (nil, 1)
        case .shardSet: (UInt64(ShardLayout.setFields), 1)
        case .shardDegrees: (nodes, 2)
        }
    }
}

/// The three node splits, in the order OGB names them.
public enum SplitName: String, CaseIterable, Sendable {
    case train, valid, test

    /// The section that stores this split.
    public var section: GraphSectionKind {
        switch self {
        case .train: .trainSplit
        case .valid: .validSplit
        case .test: .testSplit
        }
    }

    /// The section of a shard that places each entry of this split in the whole graph's split (§6.2).
    public var shardPositions: GraphSectionKind {
        switch self {
        case .train: .shardTrainPositions
        case .valid: .shardValidPositions
        case .test: .shardTestPositions
        }
    }
}
