/// The known name closest to a misspelt one, for "did you mean ...?" hints.
enum NearestName {
    /// The candidate nearest `name` by edit distance, when it is near enough to be a likely typo: at most
    /// a third of the name's length (and at least 1, at most 3) edits away. Ties go to the earlier candidate.
    static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let limit = min(3, max(1, name.count / 3))
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if distance <= limit, distance < best?.1 ?? Int.max { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of adjacent letters (optimal
    /// string alignment), since `tsak` for `task` is one slip, not two. O(|a|·|b|) time.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return a.count + b.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
