import Foundation
import GNNFormats

/// A seeded random graph of an OGB shape, defined node by node so that it can be written as a stream.
///
/// Node v belongs to a community (its class, or its species for proteins). Its in-degree is log-normal
/// (σ = 1) around the shape's mean degree; its sources are drawn — `intraCommunityFraction` of them from
/// its own community, the rest from all nodes — then sorted, with repeats and self loops dropped, so every
/// row is strictly ascending. Its features are its community's mean vector (standard normal entries) plus
/// standard normal noise, so the classes can be told apart and accuracy means something. Edge features
/// (proteins) are uniform in [0, 1) and depend only on the unordered node pair. Multi-label targets are
/// Bernoulli with per-community, per-task rates. Every value comes from a `CounterRandom` stream of its own
/// node (or node pair), so the graph depends only on shape, scale and seed — never on the thread count.
///
/// Memory: two u32 per node (community, community member lists), plus the small community tables.
public struct SyntheticGraph: Sendable {
    public let shape: SyntheticGraphShape
    public let seed: UInt64
    public let nodeCount: Int
    private let community: [UInt32]
    /// Node ids grouped by community: community c's members are `members[memberStart[c] ..< memberStart[c+1]]`.
    private let members: [UInt32]
    private let memberStart: [Int]
    /// communities × nodeFeatures.
    private let communityMeans: [Float]
    /// communities × tasks: probability that a node of the community has the task's label 1.
    private let taskRates: [Float]

    /// The degree distribution's spread (σ of the log-normal); e^σ² − 1 ≈ 1.7 is the squared coefficient
    /// of variation, heavy-tailed like citation and co-purchase graphs without their extreme hubs.
    static let degreeSigma = 1.0

    /// Draws the communities and their tables. Throws when the scaled graph is too large for 32-bit node
    /// ids or the scale is not positive.
    public init(shape: SyntheticGraphShape, scale: Double, seed: UInt64) throws {
        guard scale > 0, scale.isFinite else {
            throw GNNError("scale \(scale) is not a positive number", in: "--scale", fix: "pass e.g. --scale 0.05 or 1")
        }
        let nodes = Double(shape.nodes) * scale
        guard nodes < Double(UInt32.max) else {
            throw GNNError("scale \(scale) gives \(Int(nodes)) nodes, more than 32-bit node ids hold", in: "--scale",
                           fix: "pass a scale below \(Double(UInt32.max) / Double(shape.nodes))")
        }
        self.shape = shape
        self.seed = seed
        nodeCount = shape.nodeCount(scale: scale)
        let groups = shape.communities
        var community = [UInt32](repeating: 0, count: nodeCount)
        var sizes = [Int](repeating: 0, count: groups + 1)
        for v in 0..<nodeCount {
            var random = CounterRandom(seed: seed, .community, UInt64(v))
            let c = random.below(groups)
            community[v] = UInt32(c)
            sizes[c + 1] += 1
        }
        for c in 0..<groups { sizes[c + 1] += sizes[c] }
        var fill = sizes
        var members = [UInt32](repeating: 0, count: nodeCount)
        for v in 0..<nodeCount {
            let c = Int(community[v])
            members[fill[c]] = UInt32(v)
            fill[c] += 1
        }
        self.community = community
        self.members = members
        memberStart = sizes
        communityMeans = (0..<groups * shape.nodeFeatures).map {
            var random = CounterRandom(seed: seed, .communityMeans, UInt64($0))
            return Float(random.normal())
        }
        taskRates = (0..<groups * shape.tasks).map {
            var random = CounterRandom(seed: seed, .taskRates, UInt64($0))
            return Float(0.02 + 0.5 * random.unit())
        }
    }

    /// The community (class) of node v.
    public func communityOf(_ v: Int) -> Int { Int(community[v]) }

    /// The in-degree v aims at before repeats are dropped: log-normal around the mean, in 1 ... N−1.
    func targetDegree(_ v: Int) -> Int {
        var random = CounterRandom(seed: seed, .degree, UInt64(v))
        let sigma = SyntheticGraph.degreeSigma
        let draw = shape.meanDegree * exp(sigma * random.normal() - sigma * sigma / 2)
        return min(max(1, Int(draw.rounded())), nodeCount - 1)
    }

    /// Replaces `row` with v's sources: ascending, distinct, without v itself.
    ///
    /// About `intraCommunityFraction` of them come from v's community (all of it at most, when the
    /// community is small), the rest from all nodes. Repeats are drawn again, for up to 16 rounds, so
    /// the degree ends close to `targetDegree` (short of it only when that nears N − 1).
    public func sources(of v: Int, into row: inout [UInt32]) {
        let want = targetDegree(v)
        var random = CounterRandom(seed: seed, .neighbours, UInt64(v))
        let c = Int(community[v])
        let ownStart = memberStart[c], ownCount = memberStart[c + 1] - ownStart
        let wantOwn = min(Int((Double(want) * shape.intraCommunityFraction).rounded()), ownCount - 1)
        row.removeAll(keepingCapacity: true)
        for _ in 0..<16 {
            var own = row.reduce(0) { $0 + (community[Int($1)] == c ? 1 : 0) }
            while row.count < want {
                let intra = own < wantOwn
                let u = intra ? Int(members[ownStart + random.below(ownCount)]) : random.below(nodeCount)
                guard u != v else { continue }
                row.append(UInt32(u))
                if intra { own += 1 }
            }
            row.sort()
            var kept = 0
            for i in row.indices where i == 0 || row[i] != row[kept - 1] {
                row[kept] = row[i]
                kept += 1
            }
            row.removeLast(row.count - kept)
            if kept == want { break }
        }
    }

    /// Writes v's `shape.nodeFeatures` features: its community's mean plus standard normal noise.
    public func features(of v: Int, into out: UnsafeMutablePointer<Float>) {
        var random = CounterRandom(seed: seed, .features, UInt64(v))
        let width = shape.nodeFeatures
        let mean = Int(community[v]) * width
        for f in 0..<width { out[f] = communityMeans[mean + f] + Float(random.normal()) }
    }

    /// Writes the `shape.edgeFeatures` features of the edge between u and v (either direction): uniform
    /// in [0, 1), like OGB-proteins' association scores.
    public func edgeFeatures(between u: Int, and v: Int, into out: UnsafeMutablePointer<Float>) {
        let pair = UInt64(min(u, v)) << 32 | UInt64(max(u, v))
        var random = CounterRandom(seed: seed, .edgeFeatures, pair)
        for k in 0..<shape.edgeFeatures { out[k] = Float(random.unit()) }
    }

    /// v's `shape.tasks` binary targets (0 or 1).
    public func targets(of v: Int, into out: UnsafeMutablePointer<Float>) {
        var random = CounterRandom(seed: seed, .targets, UInt64(v))
        let rates = Int(community[v]) * shape.tasks
        for t in 0..<shape.tasks { out[t] = random.unit() < Double(taskRates[rates + t]) ? 1 : 0 }
    }

    /// The split v belongs to.
    public func split(of v: Int) -> SplitName {
        var random = CounterRandom(seed: seed, .split, UInt64(v))
        let u = random.unit()
        return u < shape.trainFraction ? .train : u < shape.trainFraction + shape.validFraction ? .valid : .test
    }
}
