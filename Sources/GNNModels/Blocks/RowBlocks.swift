import GNNFormats
import GNNKernels

/// The model's entry and exit, done a block of rows at a time so that no second N × D buffer is needed to
/// change between the file's row-major layout and the reversible state's group-by-group layout.
enum RowBlocks {
    /// state (group-major: C blocks of N × D/C) = lin(x), x read from the graph file (any float dtype).
    static func linearIntoGroups(_ x: FloatMatrix, _ lin: Linear, groups: Int, into state: UnsafeMutablePointer<Float>) {
        let n = x.rows, width = lin.outChannels, d = width / groups
        KernelThreads.forEachBlock(rows: n) { rows in
            let input = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * x.columns)
            let output = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * width)
            defer { input.deallocate(); output.deallocate() }
            x.copyRows(rows, into: input)
            lin.weight.withUnsafeBufferPointer { w in
                withOptionalPointer(lin.bias) { b in
                    Dense.linearSerial(input, rows: rows.count, inDim: x.columns, weight: w.baseAddress!,
                                       outDim: width, bias: b, into: output)
                }
            }
            for (k, v) in rows.enumerated() {
                for g in 0..<groups {
                    (state + g * n * d + v * d).update(from: output + k * width + g * d, count: d)
                }
            }
        }
    }

    /// out = lin(activation(norm(state))) with the state gathered row by row from its groups: the head of
    /// every model.
    static func normActivationLinearFromGroups(_ state: UnsafeMutablePointer<Float>, rows n: Int, groups: Int,
                                               groupWidth d: Int, norm: Norm, activation: Activation, _ lin: Linear,
                                               sums: NodeSums, into out: UnsafeMutablePointer<Float>) {
        let width = groups * d
        let norm = norm.fixingStatistics(of: state, channels: d, groups: groups, sums: sums)
        KernelThreads.forEachBlock(rows: n) { rows in
            let gathered = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * width)
            defer { gathered.deallocate() }
            for (k, v) in rows.enumerated() {
                for g in 0..<groups {
                    (gathered + k * width + g * d).update(from: state + g * n * d + v * d, count: d)
                }
            }
            norm.applySerial(gathered, rows: rows.count, channels: width, activation: activation)
            lin.weight.withUnsafeBufferPointer { w in
                withOptionalPointer(lin.bias) { b in
                    Dense.linearSerial(gathered, rows: rows.count, inDim: width, weight: w.baseAddress!,
                                       outDim: lin.outChannels, bias: b, into: out + rows.lowerBound * lin.outChannels)
                }
            }
        }
    }
}
