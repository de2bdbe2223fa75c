import GNNFormats
import GNNKernels

/// The model's entry and exit, done a block of rows at a time so that no second N × D buffer is needed to
/// change between the file's row-major layout and the reversible state's group-by-group layout.
enum RowBlocks {
    /// state (group-major: C blocks of N × D/C) = lin(x), x read from the graph file (any float dtype), the
    /// state stored as `E` (rounded to nearest even when 16-bit). `read(rows)` is called once a block's rows
    /// of x have been read, on the thread that read them (the caller releases their pages there).
    static func linearIntoGroups<E: StateElement>(_ x: FloatMatrix, _ lin: Linear, groups: Int, into state: UnsafeMutablePointer<E>,
                                                  read: ((Range<Int>) -> Void)? = nil) {
        let n = x.rows, width = lin.outChannels, d = width / groups
        KernelThreads.forEachBlock(rows: n) { rows in
            let input = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * x.columns)
            let output = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * width)
            defer { input.deallocate(); output.deallocate() }
            x.copyRows(rows, into: input)
            read?(rows)
            lin.weight.withUnsafeBufferPointer { w in
                withOptionalPointer(lin.bias) { b in
                    Dense.linearSerial(input, rows: rows.count, inDim: x.columns, weight: w.baseAddress!,
                                       outDim: width, bias: b, into: output)
                }
            }
            for (k, v) in rows.enumerated() {
                for g in 0..<groups {
                    StateRows.narrow(output + k * width + g * d, count: d, into: state + g * n * d + v * d)
                }
            }
        }
    }

    /// out = lin(activation(norm(state))) with the state gathered row by row from its groups (widened to
    /// float32 when stored in 16 bits): the head of every model. A graph-mode norm needs a float32 state.
    static func normActivationLinearFromGroups<E: StateElement>(_ state: UnsafeMutablePointer<E>, rows n: Int, groups: Int,
                                               groupWidth d: Int, norm: Norm, activation: Activation, _ lin: Linear,
                                               sums: NodeSums, into out: UnsafeMutablePointer<Float>) {
        let width = groups * d
        let norm = E.self == Float.self
            ? norm.fixingStatistics(of: UnsafeRawPointer(state).assumingMemoryBound(to: Float.self), channels: d, groups: groups, sums: sums)
            : norm
        precondition(norm.rowWise, "StateDTypeSupport refuses graph-mode norms with a 16-bit state")
        KernelThreads.forEachBlock(rows: n) { rows in
            let gathered = UnsafeMutablePointer<Float>.allocate(capacity: rows.count * width)
            defer { gathered.deallocate() }
            for (k, v) in rows.enumerated() {
                for g in 0..<groups {
                    StateRows.widen(state + g * n * d + v * d, count: d, into: gathered + k * width + g * d)
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
