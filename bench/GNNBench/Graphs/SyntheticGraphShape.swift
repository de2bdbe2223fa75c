/// The sizes of an Open Graph Benchmark node-property data set that a synthetic graph imitates.
///
/// Counts are those OGB publishes (ogb.stanford.edu/docs/nodeprop): nodes, undirected edges (each stored
/// as two directed edges), features per node and edge, classes or binary tasks, and the fractions of its
/// standard train/valid/test split. A `scale` multiplies nodes and edges alike, so the mean degree — what
/// the per-node cost of a layer depends on — stays that of the full data set.
public struct SyntheticGraphShape: Sendable, Equatable {
    /// The data set's name without the `ogbn-` prefix.
    public let name: String
    public let nodes: Int
    public let undirectedEdges: Int
    public let nodeFeatures: Int
    /// Features per edge (0: none).
    public let edgeFeatures: Int
    /// Classes of a multi-class task (one `node.labels` value per node), or 0 for a multi-label task.
    public let classes: Int
    /// Binary tasks of a multi-label task (`node.targets` columns), or 0 for a multi-class task.
    public let tasks: Int
    /// Communities: nodes draw most of their neighbours from their own one. For multi-class shapes these
    /// are the classes; for proteins the eight species, whose interaction graphs are disjoint in OGB.
    public let communities: Int
    /// Fraction of a node's incoming edges that come from its own community.
    public let intraCommunityFraction: Double
    /// Fractions of nodes in the train and valid splits; the rest is test.
    public let trainFraction: Double
    public let validFraction: Double

    /// ogbn-arxiv: 169,343 papers, 1,166,243 citations, 128 features, 40 subject classes; split by year.
    public static let arxiv = SyntheticGraphShape(
        name: "arxiv", nodes: 169_343, undirectedEdges: 1_166_243, nodeFeatures: 128, edgeFeatures: 0,
        classes: 40, tasks: 0, communities: 40, intraCommunityFraction: 0.65,
        trainFraction: 90_941 / 169_343, validFraction: 29_799 / 169_343)

    /// ogbn-proteins: 132,534 proteins, 39,561,252 associations with 8 features each, 112 binary tasks;
    /// split by species. OGB has no node features; PyG's examples derive 8 per node from the edges, which
    /// is what `nodeFeatures` stands for here.
    public static let proteins = SyntheticGraphShape(
        name: "proteins", nodes: 132_534, undirectedEdges: 39_561_252, nodeFeatures: 8, edgeFeatures: 8,
        classes: 0, tasks: 112, communities: 8, intraCommunityFraction: 0.95,
        trainFraction: 86_619 / 132_534, validFraction: 21_236 / 132_534)

    /// ogbn-products: 2,449,029 products, 61,859,140 co-purchases, 100 features, 47 categories; split by
    /// sales rank (a small train set).
    public static let products = SyntheticGraphShape(
        name: "products", nodes: 2_449_029, undirectedEdges: 61_859_140, nodeFeatures: 100, edgeFeatures: 0,
        classes: 47, tasks: 0, communities: 47, intraCommunityFraction: 0.75,
        trainFraction: 196_615 / 2_449_029, validFraction: 39_323 / 2_449_029)

    /// Every shape, by name.
    public static let all: [SyntheticGraphShape] = [.arxiv, .proteins, .products]

    /// The shape called `name` (`arxiv`, `proteins`, `products`), or nil.
    public static func named(_ name: String) -> SyntheticGraphShape? {
        all.first { $0.name == name }
    }

    /// Nodes at `scale` (at least 2).
    public func nodeCount(scale: Double) -> Int {
        max(2, Int((Double(nodes) * scale).rounded()))
    }

    /// The mean number of incoming edges per node (both directions of every undirected edge count).
    public var meanDegree: Double { 2 * Double(undirectedEdges) / Double(nodes) }
}
