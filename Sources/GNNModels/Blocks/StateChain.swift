import GNNKernels

/// What the layer loops of reversible and residual models need from a chain of blocks, whatever format
/// the state is stored in: `BlockChain` for float32, `NarrowBlockChain` for 16-bit states.
protocol StateChain<Element> {
    associatedtype Element: StateElement

    /// out += block(Σ inputs), the inputs (N × channels each) summed in order. `next` is the block that
    /// runs next if it reads exactly the rows of `out` this one writes, nil otherwise; `inputs` may
    /// include `out` (read before it changes).
    func run(_ block: GNNBlock, summing inputs: [UnsafePointer<Element>], addingInto out: UnsafeMutablePointer<Element>,
             next: GNNBlock?, graph: GraphContext) throws
}

extension BlockChain: StateChain {
    /// Several inputs are summed into `inputBuffer` first (the reversible exchange sum of more than two
    /// groups); one is read in place.
    func run(_ block: GNNBlock, summing inputs: [UnsafePointer<Float>], addingInto out: UnsafeMutablePointer<Float>,
             next: GNNBlock?, graph: GraphContext) throws {
        var input = inputs[0]
        if inputs.count > 1 {
            let sum = inputBuffer
            sum.update(from: inputs[0], count: rows * channels)
            for other in inputs.dropFirst() { add(other, into: sum, count: rows * channels) }
            input = UnsafePointer(sum)
        }
        try run(block, input: input, addingInto: out, next: next, graph: graph)
    }
}
