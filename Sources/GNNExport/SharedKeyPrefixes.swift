/// The dotted prefixes every state_dict key shares (`module.`, then `module.model.`, …), shortest first:
/// where a wrapper such as DataParallel's `module.` or torch.compile's `_orig_mod.` shows. Used both to
/// diagnose a mismatch (`WeightMismatch`) and to draft a key map (`DescriptionGuess`).
enum SharedKeyPrefixes {
    static func of(_ names: some Collection<String>) -> [String] {
        guard let first = names.min() else { return [] }
        var prefixes: [String] = []
        for component in first.split(separator: ".", omittingEmptySubsequences: false).dropLast() {
            let prefix = (prefixes.last ?? "") + component + "."
            guard names.allSatisfy({ $0.hasPrefix(prefix) }) else { break }
            prefixes.append(prefix)
        }
        return prefixes
    }
}
