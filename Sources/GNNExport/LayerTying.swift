/// Finds layers whose weights repeat layer 0's: a PyG `ModuleList([block] * L)` saves the same values
/// under every layer's keys (`convs.0.…`, `convs.1.…`, …; a `.pt` points all of them at one storage).
///
/// A name's layer is its first numeric component: `convs.3.convs.1.norm.weight` is layer 3 of the stack
/// `convs`, tensor `convs.1.norm.weight` within it. A stack is tied when every layer has the same tensors
/// as layer 0 with bit-identical values.
struct LayerTying {
    /// Names in a tied stack's layers 1… → the layer-0 name holding the same values.
    private(set) var copies: [String: String] = [:]
    /// Tied stacks and their layer counts, e.g. `convs` → 28.
    private(set) var tiedStacks: [String: Int] = [:]
    /// Why each stack of several layers is not tied, e.g. `convs.1.lin.weight differs from convs.0.lin.weight`.
    private(set) var untiedReasons: [String: String] = [:]

    init(_ tensors: [ImportedTensor]) throws {
        // stack → layer → (name within the layer → tensor)
        var stacks: [String: [Int: [String: ImportedTensor]]] = [:]
        for tensor in tensors {
            let parts = tensor.name.split(separator: ".", omittingEmptySubsequences: false)
            guard let at = parts.firstIndex(where: { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let layer = Int(parts[at]) else { continue }
            let stack = parts[..<at].joined(separator: ".")
            stacks[stack, default: [:]][layer, default: [:]][parts[(at + 1)...].joined(separator: ".")] = tensor
        }
        for (stack, layers) in stacks.sorted(by: { $0.key < $1.key }) where layers.count > 1 {
            let prefix = stack.isEmpty ? "" : stack + "."
            guard let first = layers[0] else {
                untiedReasons[stack] = "\(prefix)0 is missing"
                continue
            }
            var reason: String?
            var found: [String: String] = [:]
            search: for (layer, names) in layers.sorted(by: { $0.key < $1.key }) where layer > 0 {
                for (inner, original) in first.sorted(by: { $0.key < $1.key }) {
                    let name = "\(prefix)\(layer).\(inner)"
                    guard let copy = names[inner] else { reason = "\(name) is missing"; break search }
                    guard try copy.holdsSameValues(as: original) else { reason = "\(name) differs from \(original.name)"; break search }
                    found[name] = original.name
                }
                if let extra = names.keys.sorted().first(where: { first[$0] == nil }) {
                    reason = "\(prefix)\(layer).\(extra) has no counterpart in layer 0"
                    break
                }
            }
            if let reason {
                untiedReasons[stack] = reason
            } else {
                tiedStacks[stack] = layers.count
                copies.merge(found) { a, _ in a }
            }
        }
    }
}
