import GNNFormats
import GNNKernels

extension Activation {
    /// The kernel form of an architecture's activation.
    init(_ spec: ActivationSpec) {
        switch spec.kind {
        case .relu: self = .relu
        case .leakyRelu: self = .leakyReLU(slope: spec.negativeSlope ?? 0.01)
        case .elu: self = .elu(alpha: spec.alpha ?? 1)
        case .gelu: self = spec.approximate == .tanh ? .geluTanh : .gelu
        case .silu: self = .silu
        }
    }
}
