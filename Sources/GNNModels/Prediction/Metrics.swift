import GNNFormats

/// Evaluation metrics over a set of nodes, as OGB computes them.
public enum Metrics {
    /// Fraction of `nodes` whose argmax output equals the label; unlabelled nodes (−1) are skipped.
    /// Returns nil when no node has a label.
    public static func accuracy(outputs: [Float], columns: Int, labels: UnsafeBufferPointer<Int32>, nodes: [Int]) -> (value: Double, count: Int)? {
        var correct = 0, counted = 0
        for v in nodes where labels[v] >= 0 {
            let row = outputs[v * columns..<(v + 1) * columns]
            let predicted = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }! - v * columns
            if predicted == Int(labels[v]) { correct += 1 }
            counted += 1
        }
        return counted == 0 ? nil : (Double(correct) / Double(counted), counted)
    }

    /// Mean ROC-AUC over tasks (ogbn-proteins' metric): per task, over `nodes` with a non-NaN target,
    /// the probability that a random positive scores above a random negative (ties count half). Tasks
    /// without both classes are skipped. Returns nil when no task can be scored.
    public static func meanROCAUC(outputs: [Float], columns: Int, targets: FloatMatrix, nodes: [Int]) -> (value: Double, tasks: Int)? {
        var row = [Float](repeating: 0, count: targets.columns)
        var pairs: [[(score: Float, positive: Bool)]] = Array(repeating: [], count: columns)
        for v in nodes {
            row.withUnsafeMutableBufferPointer { targets.copyRows(v..<v + 1, into: $0.baseAddress!) }
            for task in 0..<min(columns, targets.columns) where !row[task].isNaN {
                pairs[task].append((outputs[v * columns + task], row[task] > 0.5))
            }
        }
        var total = 0.0, scored = 0
        for var task in pairs {
            let positives = task.filter(\.positive).count, negatives = task.count - positives
            guard positives > 0, negatives > 0 else { continue }
            task.sort { $0.score < $1.score }
            // Rank-sum (Mann–Whitney U) with average ranks for ties.
            var rankSum = 0.0, i = 0
            while i < task.count {
                var j = i
                while j + 1 < task.count && task[j + 1].score == task[i].score { j += 1 }
                let averageRank = Double(i + j) / 2 + 1
                for k in i...j where task[k].positive { rankSum += averageRank }
                i = j + 1
            }
            total += (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
            scored += 1
        }
        return scored == 0 ? nil : (total / Double(scored), scored)
    }
}
