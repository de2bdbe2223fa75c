import Foundation

/// A seeded random stream that depends only on (seed, purpose, index): SplitMix64 started from a hash of
/// the three.
///
/// Every node's (or edge's) random choices come from its own stream, so they can be generated in any
/// order, on any number of threads, and generated again later with the same result — which is how the
/// generator streams a graph without holding its edges.
struct CounterRandom {
    /// What the numbers are for; separate purposes never share a stream.
    enum Purpose: UInt64 {
        case community = 1, degree, neighbours, features, communityMeans, targets, taskRates, split, edgeFeatures
    }

    private var state: UInt64

    init(seed: UInt64, _ purpose: Purpose, _ index: UInt64) {
        state = CounterRandom.mix(CounterRandom.mix(seed &+ purpose.rawValue &* 0x9E37_79B9_7F4A_7C15) ^ index)
    }

    /// The SplitMix64 finaliser: a bijective 64-bit hash.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return CounterRandom.mix(state &- 0x9E37_79B9_7F4A_7C15)
    }

    /// A value in `0 ..< bound` (multiply-shift: the bias of at most bound / 2⁶⁴ does not matter here).
    mutating func below(_ bound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform value in [0, 1) with 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal value (Box–Muller; one of the pair is dropped to keep streams simple).
    mutating func normal() -> Double {
        let u = 1 - unit()  // (0, 1], so the logarithm is finite
        let v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
