/// A value of the architecture that is one of a fixed set of names (`family`, `task`, a conv's `kind`, a
/// solver's `method`, ...). Conforming replaces Swift's "Cannot initialize Family from invalid String
/// value RevGNN" by a message that names the field and the allowed values:
/// `family "RevGNN" is not supported (revgnn, wt-revgnn, resgnn, wt-resgnn, deq)`.
public protocol NamedOption: RawRepresentable<String>, CaseIterable, Decodable {}

extension NamedOption {
    public init(from decoder: any Decoder) throws {
        // The key as the file spells it: a snake_case decoder reports `stopMode` for `stop_mode`.
        let field = SnakeCase.name(decoder.codingPath.last?.stringValue ?? "value")
        let allowed = Self.allCases.map(\.rawValue).joined(separator: ", ")
        self = try OptionName.decode(decoder) { "\(field) \"\($0)\" is not supported (\(allowed))" }
    }
}

extension ModelArchitecture.Family: NamedOption {}
extension ModelArchitecture.Task: NamedOption {}
extension ConvSpec.Kind: NamedOption {}
extension BlockSpec.Kind: NamedOption {}
extension BlockSpec.FirstLayer: NamedOption {}
extension ActivationSpec.Approximation: NamedOption {}
extension SolverSpec.Method: NamedOption {}
extension SolverSpec.StopMode: NamedOption {}
extension SolverSpec.InitialState: NamedOption {}
