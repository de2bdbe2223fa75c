#if canImport(Glibc)
import Glibc
#endif

/// An elementwise activation, fused into the norm kernels (the norm → activation of every block and head)
/// so that it costs no pass of its own. Each follows PyTorch's CPU formula.
public enum Activation: Sendable, Equatable {
    /// No activation.
    case identity
    /// `torch.nn.ReLU`: max(x, 0).
    case relu
    /// `torch.nn.LeakyReLU`: x for x > 0, else slope · x.
    case leakyReLU(slope: Float)
    /// `torch.nn.ELU`: x for x > 0, else alpha · (exp(x) − 1), the latter as expm1.
    case elu(alpha: Float)
    /// `torch.nn.GELU()`: x · ½ (1 + erf(x / √2)).
    case gelu
    /// `torch.nn.GELU(approximate="tanh")`: ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))).
    case geluTanh
    /// `torch.nn.SiLU`: x / (1 + exp(−x)).
    case silu

    /// The activation of one value.
    @inline(__always)
    public func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .identity: x
        case .relu: max(x, 0)
        case .leakyReLU(let slope): x > 0 ? x : x * slope
        case .elu(let alpha): x > 0 ? x : alpha * expm1f(x)
        case .gelu: x * 0.5 * (1 + erff(x * Float(0.5).squareRoot()))
        case .geluTanh: 0.5 * x * (1 + tanhf(Self.geluTanhScale * (x + 0.044715 * x * x * x)))
        case .silu: x / (1 + expf(-x))
        }
    }

    /// The activation of a vector of values: ReLU in vector instructions, the others lane by lane.
    @inline(__always)
    func callAsFunction(_ values: RowVectors.Vector) -> RowVectors.Vector {
        switch self {
        case .identity: return values
        case .relu: return values.replacing(with: 0, where: values .< 0)
        default:
            var result = values
            for lane in result.indices { result[lane] = self(values[lane]) }
            return result
        }
    }

    /// √(2/π), PyTorch's constant of the tanh approximation.
    private static let geluTanhScale = Float((2 / Double.pi).squareRoot())

    /// Applies the activation to `count` values in place, on all worker threads.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard self != .identity else { return }
        KernelThreads.forEachBlock(rows: count, blockRows: KernelThreads.flatBlockLength) { block in
            for i in block { x[i] = self(x[i]) }
        }
    }
}
