/// The exact sum of any number of doubles, held so that adding them in any order, or adding partial sums
/// built on other threads or other machines, gives the same value to the bit.
///
/// A double is m · 2^(b − 1075) with m an integer below 2^53 and b its biased exponent (1 for subnormals).
/// Each b has one 128-bit integer bucket that adds the m's of its terms exactly (2^74 terms fit), so the
/// buckets, and everything computed from them, depend only on the multiset of terms. This is the
/// "reproducible summation" a graph split into shards needs: a shard sums its own nodes, the shards'
/// sums are merged, and the total is the one a single process gets (ReproBLAS reaches the same end with
/// binned floating-point sums; integer buckets are simpler and exact).
///
/// Memory: 2,047 buckets, 32 KiB. Infinities and NaNs are summed apart (their sum is order-independent too).
public struct ExactSum: Sendable {
    /// Buckets by biased exponent 1 ... 2046 (index 0 unused).
    private var buckets: [Int128]
    /// The sum of the non-finite terms (0 when there are none).
    private var special: Double = 0

    /// An empty sum.
    public init() {
        buckets = [Int128](repeating: 0, count: Self.bucketCount)
    }

    static let bucketCount = 2047
    static let significandBits = 52

    /// Adds `value` exactly.
    @inline(__always)
    public mutating func add(_ value: Double) {
        guard value.isFinite else { special += value; return }
        let bits = value.bitPattern
        let exponent = Int((bits >> UInt64(Self.significandBits)) & 0x7FF)
        let fraction = bits & ((1 << UInt64(Self.significandBits)) - 1)
        guard exponent != 0 || fraction != 0 else { return }
        let magnitude = Int128(exponent == 0 ? fraction : fraction | (1 << UInt64(Self.significandBits)))
        buckets[max(exponent, 1)] += value.sign == .minus ? -magnitude : magnitude
    }

    /// Adds another exact sum's terms.
    public mutating func add(_ other: ExactSum) {
        for b in 1..<Self.bucketCount where other.buckets[b] != 0 { buckets[b] += other.buckets[b] }
        special += other.special
    }

    /// The sum as a double: the buckets scaled and added from the highest exponent down. Equal buckets give
    /// equal bits, whatever order the terms came in; the value is within a few units in the last place of the
    /// exact sum (not always the correctly rounded one: that would need one more carry pass over the buckets).
    public var value: Double {
        var total: Double = 0
        for b in stride(from: Self.bucketCount - 1, through: 1, by: -1) where buckets[b] != 0 {
            total += Double(buckets[b]) * Double(sign: .plus, exponent: b - 1075, significand: 1)
        }
        return total + special
    }

    /// The buckets as 16-byte little-endian words, then the special sum: what shards exchange.
    public var words: [UInt64] {
        var words = [UInt64]()
        words.reserveCapacity(Self.wordCount)
        for bucket in buckets {
            words.append(UInt64(truncatingIfNeeded: bucket))
            words.append(UInt64(truncatingIfNeeded: bucket >> 64))
        }
        words.append(special.bitPattern)
        return words
    }

    /// UInt64 words in `words`.
    public static let wordCount = 2 * bucketCount + 1

    /// The sum whose `words` these are.
    public init<Words: Collection<UInt64>>(words: Words) {
        precondition(words.count == Self.wordCount, "an exact sum is \(Self.wordCount) words")
        self.init()
        var word = words.makeIterator()
        for b in 0..<Self.bucketCount {
            let low = word.next()!, high = word.next()!
            buckets[b] = Int128(low) | Int128(truncatingIfNeeded: high) << 64   // low zero-extends; high carries the sign
        }
        special = Double(bitPattern: word.next()!)
    }
}
