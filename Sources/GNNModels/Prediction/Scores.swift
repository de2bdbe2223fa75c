import Foundation
import GNNFormats

/// Turns raw outputs into what users read: probabilities and top-k classes.
public enum Scores {
    /// Softmax of one row (multi-class), computed stably.
    public static func softmax(_ row: ArraySlice<Float>) -> [Float] {
        let top = row.max() ?? 0
        let exps = row.map { exp($0 - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// Logistic sigmoid (multi-label).
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// Probabilities for one row under the model's task (regression: the values as they are).
    public static func probabilities(_ row: ArraySlice<Float>, task: ModelArchitecture.Task) -> [Float] {
        switch task {
        case .multiClass: softmax(row)
        case .multiLabel: row.map(sigmoid)
        case .regression: Array(row)
        }
    }

    /// The `k` highest entries as (index, value), highest first, ties by lower index.
    public static func topK(_ values: [Float], _ k: Int) -> [(Int, Float)] {
        Array(values.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(k).map { ($0.offset, $0.element) })
    }
}
