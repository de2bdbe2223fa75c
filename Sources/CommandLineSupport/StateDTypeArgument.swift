import ArgumentParser
import GNNKernels

/// `--state-dtype f32|bf16|f16`, as `gnn-export`, `predict` and `serve` take it.
extension StateDType: ExpressibleByArgument {}
