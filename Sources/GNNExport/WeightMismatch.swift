import GNNFormats
import GNNModels

/// The error of weights that disagree with their description, for a person to read: what probably went
/// wrong first (a hidden size, a layer count, a prefix every key shares, one block stored for all layers),
/// then the missing, wrongly shaped and unexpected tensors, each list bounded unless `verbose`.
struct WeightMismatch {
    /// Tensors listed per kind without `--verbose`: enough to see the pattern, short enough to read.
    static let listed = 12

    let audit: WeightAudit
    /// Offered tensors' shapes, by their names after the key map.
    let shapes: [String: [Int]]
    let architecture: ModelArchitecture

    /// The one-line error: diagnoses, then the bounded lists.
    func error(path: String, verbose: Bool) -> GNNError {
        let a = architecture
        var line = "weights do not match the description (\(a.family.rawValue), \(a.layers) layers, \(a.conv.kind.rawValue))"
        let found = diagnoses
        if !found.isEmpty { line += ": " + found.joined(separator: "; ") }
        line += " — " + lists(verbose: verbose)
        let fix = found.isEmpty ? "check the description's numbers and options, or rename keys with --key-map or \"key_map\" (formats/arch.md)"
                                : "correct the description or the keys as said"
        return GNNError(line, in: path, fix: fix)
    }

    /// What probably went wrong, most telling first.
    var diagnoses: [String] {
        var result: [String] = []
        // A shared prefix explains every other difference: naming more would mislead.
        if let prefix = sharedPrefix { return ["every key starts with \"\(prefix)\": add --strip-prefix \(prefix)"] }
        if let block = singleBlock {
            let family = architecture.isResidual ? "wt-resgnn" : "wt-revgnn"
            let describe = architecture.family.rawValue == family ? "" : "describe family \(family) and "
            result.append("the weights are one block applied \(architecture.layers) times under \"\(block.stored)\": \(describe)add --key-map \(block.stored)=\(block.expected)")
        }
        result += dimensionGuesses
        if let layers = layerGuess { result.append(layers) }
        return result
    }

    /// The longest dotted prefix every offered key shares whose removal turns offered names into missing ones
    /// (`module.` of DataParallel, `_orig_mod.` of torch.compile).
    private var sharedPrefix: String? {
        let missing = Set(audit.missing.map(\.name))
        return SharedKeyPrefixes.of(shapes.keys).last { prefix in
            shapes.keys.contains { missing.contains(String($0.dropFirst(prefix.count))) }
        }
    }

    /// A weight-tied layout: layer 0's tensors (`convs.0.*`) missing while the same suffixes sit under one
    /// other prefix (`block.*`).
    private var singleBlock: (stored: String, expected: String)? {
        var votes: [String: (expected: String, count: Int)] = [:]
        var layerZero = 0
        for missing in audit.missing {
            let parts = missing.name.split(separator: ".", omittingEmptySubsequences: false)
            guard let zero = parts.firstIndex(where: { Int($0) != nil }), zero > 0, parts[zero] == "0" else { continue }
            layerZero += 1
            let expected = parts[...zero].joined(separator: ".") + "."
            let rest = parts[(zero + 1)...].joined(separator: ".")
            for name in audit.unexpected where name.hasSuffix("." + rest) {
                let stored = String(name.dropLast(rest.count))
                // Another layer's tensors (`convs.2.*`) are not one block stored for all.
                if stored.split(separator: ".").contains(where: { Int($0) != nil }) { continue }
                votes[stored, default: (expected, 0)].count += 1
            }
        }
        guard let (stored, vote) = votes.max(by: { $0.value.count < $1.value.count }),
              layerZero > 0, vote.count * 2 >= layerZero else { return nil }
        return (stored, vote.expected)
    }

    /// "hidden_channels looks like 64, the description says 48": the sizes that differ between expected and
    /// found shapes, most frequent first, named by the field they equal.
    private var dimensionGuesses: [String] {
        var counts: [Pair: Int] = [:]
        // Only shapes that differ in one size: [48, 6] against [8, 6] says 48 → 8; [2, 2] against [1, 4] says nothing.
        for entry in audit.wrongShape where entry.expected.count == entry.found.count {
            let differing = zip(entry.expected, entry.found).filter { $0 != $1 }
            if differing.count == 1 { counts[Pair(expected: differing[0].0, found: differing[0].1), default: 0] += 1 }
        }
        let a = architecture
        let fields = [("hidden_channels", a.hiddenChannels), ("input_channels", a.inputChannels),
                      ("output_channels", a.outputChannels), ("edge_channels", a.edgeChannels)]
        var named = Set<String>()
        var result: [String] = []
        for (pair, _) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key.expected < $1.key.expected }) {
            if let field = fields.first(where: { $0.1 == pair.expected }), named.insert(field.0).inserted {
                result.append("\(field.0) looks like \(pair.found), the description says \(pair.expected)")
            } else if a.isReversible, a.hiddenChannels / a.groups == pair.expected, named.insert("hidden_channels").inserted {
                result.append("hidden_channels looks like \(pair.found * a.groups) (\(a.groups) groups of \(pair.found)), the description says \(a.hiddenChannels)")
            }
        }
        return result
    }

    private struct Pair: Hashable {
        let expected: Int
        let found: Int
    }

    /// "the weights hold 16 layers under "convs.", the description says 28": the layer stacks' lengths
    /// (largest index + 1 of `NAME.i.*`) in the weights against the description's.
    private var layerGuess: String? {
        func lengths(_ names: some Sequence<String>) -> [String: Int] {
            var result: [String: Int] = [:]
            for name in names {
                let parts = name.split(separator: ".")
                guard let index = parts.firstIndex(where: { Int($0) != nil }), index > 0, let layer = Int(parts[index]) else { continue }
                let stack = parts[..<index].joined(separator: ".")
                result[stack] = max(result[stack] ?? 0, layer + 1)
            }
            return result
        }
        let expected = lengths(audit.used + audit.missing.map(\.name) + audit.wrongShape.map(\.name))
        let found = lengths(shapes.keys)
        for (stack, length) in expected.sorted(by: { $0.key < $1.key }) where length == architecture.layers {
            if let offered = found[stack], offered != length {
                return "the weights hold \(offered) layers under \"\(stack).\", the description says layers \(length)"
            }
        }
        return nil
    }

    /// "3 missing: a [4, 8], ...; 2 with the wrong shape: ...; 1 unexpected: ...", each list cut at `listed`.
    private func lists(verbose: Bool) -> String {
        audit.listing(limit: verbose ? nil : Self.listed, shapes: shapes, moreHint: "--verbose lists all")
    }
}
