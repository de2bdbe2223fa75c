import GNNKernels
import XCTest

/// Hand-worked sums: exact where float addition loses the small term, and the same bits in any order or
/// any split into partial sums.
final class ExactSumTests: XCTestCase {
    private func sum(_ values: [Double]) -> ExactSum {
        var total = ExactSum()
        for value in values { total.add(value) }
        return total
    }

    func testSmallTermBesideLargeOnesIsKept() {
        // In doubles, (1e16 + 1) − 1e16 is 0 (1e16 + 1 rounds to 1e16); exactly, it is 1.
        XCTAssertEqual((1e16 + 1.0) - 1e16, 0)
        XCTAssertEqual(sum([1e16, 1, -1e16]).value, 1)
        // The doubles nearest 0.1, 0.2 and −0.3 add up to exactly 2^-55 (Python: Fraction(0.1) + Fraction(0.2)
        // − Fraction(0.3)); float addition gives 2^-54.
        XCTAssertEqual(sum([0.1, 0.2, -0.3]).value, 0x1p-55)
        XCTAssertEqual(0.1 + 0.2 - 0.3, 0x1p-54)
        XCTAssertEqual(sum([]).value, 0)
        XCTAssertEqual(sum([-0.0, 0.0]).value, 0)
    }

    func testOrderAndSplitDoNotChangeTheBits() {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<10_000).map { i in Double.random(in: -1...1, using: &generator) * pow(2, Double(i % 40 - 20)) }
        let forward = sum(values).value
        XCTAssertEqual(sum(values.reversed()).value.bitPattern, forward.bitPattern)
        XCTAssertEqual(sum(values.shuffled()).value.bitPattern, forward.bitPattern)
        var merged = sum(Array(values[..<3_333]))
        merged.add(sum(Array(values[3_333..<7_000])))
        merged.add(sum(Array(values[7_000...])))
        XCTAssertEqual(merged.value.bitPattern, forward.bitPattern)
        // And the value is close to a careful double sum (small terms first): within 1e-13 relative.
        let reference = values.sorted { abs($0) < abs($1) }.reduce(0, +)
        XCTAssertEqual(forward, reference, accuracy: 1e-13 * abs(reference))
    }

    func testSubnormalsAndNonFiniteTerms() {
        let tiny = Double.leastNonzeroMagnitude
        XCTAssertEqual(sum([tiny, tiny, tiny]).value, 3 * tiny)
        XCTAssertEqual(sum([Double.leastNormalMagnitude, -tiny]).value, Double.leastNormalMagnitude - tiny)
        XCTAssertEqual(sum([1, .infinity, 2]).value, .infinity)
        XCTAssertTrue(sum([.infinity, 1, -.infinity]).value.isNaN)
        XCTAssertTrue(sum([1, .nan]).value.isNaN)
    }

    func testWordsRoundTrip() {
        let original = sum([3.5, -1e300, 1e-300, .greatestFiniteMagnitude, -7, 1e300])
        let words = original.words
        XCTAssertEqual(words.count, ExactSum.wordCount)
        XCTAssertEqual(ExactSum(words: words).value.bitPattern, original.value.bitPattern)
        XCTAssertEqual(ExactSum(words: words).value, Double.greatestFiniteMagnitude - 3.5)
    }
}
