/// What `verifyStructure()` learned about the graph beyond "it is consistent".
public struct GraphStructureReport: Sendable, Codable {
    /// Nodes with no incoming edge.
    public var isolatedNodes: Int
    /// The largest in-degree.
    public var maxInDegree: Int
    /// Edges from a node to itself.
    public var selfLoops: Int
    /// NaN or infinite node-feature values (reported, not rejected: the user decides).
    public var nonFiniteNodeFeatures: Int
    /// NaN or infinite edge-feature values.
    public var nonFiniteEdgeFeatures: Int
    /// The first rows (at most 5, file row order) of `node.features` that hold a NaN or infinite value.
    public var firstNonFiniteNodeRows: [Int] = []
    /// The first CSR positions (at most 5) of `edge.features` that hold a NaN or infinite value.
    public var firstNonFiniteEdges: [Int] = []
}

extension GraphFile {
    /// Checks everything a forward pass relies on, in O(N + M): row offsets run from 0 to M without
    /// decreasing, every source and split id is below N, every label is −1 or more. Throws on the first
    /// violation; returns counts worth reporting. `featureRows`: scan only the first rows' node features for
    /// non-finite values (a shard's owned rows, the only ones its pass reads: scanning its halo rows brought
    /// their pages in for nothing, 45 MB on an arxiv-shaped K = 4 shard, whose peak fell 112.7 → 75.2 MiB in
    /// bf16); nil: all.
    @discardableResult
    public func verifyStructure(featureRows: Int? = nil) throws -> GraphStructureReport {
        do {
            return try checkStructure(featureRows: featureRows)
        } catch let error as GNNError {
            throw error.located(at: path)
        }
    }

    private func checkStructure(featureRows: Int?) throws -> GraphStructureReport {
        let offsets = rowOffsets
        guard offsets[0] == 0 else {
            throw GNNError("csr.offsets[0] is \(offsets[0]), must be 0", fix: "pack the graph again")
        }
        var isolated = 0
        var maxDegree: UInt64 = 0
        for v in 0..<nodeCount {
            guard offsets[v + 1] >= offsets[v] else {
                throw GNNError("csr.offsets decreases at node \(v) (\(offsets[v]) then \(offsets[v + 1]))",
                               fix: "pack the graph again")
            }
            let degree = offsets[v + 1] - offsets[v]
            if degree == 0 { isolated += 1 }
            maxDegree = max(maxDegree, degree)
        }
        guard offsets[nodeCount] == UInt64(edgeCount) else {
            throw GNNError("csr.offsets ends at \(offsets[nodeCount]) but the graph has \(edgeCount) edges",
                           fix: "pack the graph again")
        }
        let sources = self.sources
        if let bad = sources.firstIndex(notBelow: nodeCount) {
            throw GNNError("csr.sources[\(bad)] is \(sources[bad]), not below the node count \(nodeCount)",
                           fix: "pack the graph again")
        }
        var selfLoops = 0
        for v in 0..<nodeCount {
            for e in Int(offsets[v])..<Int(offsets[v + 1]) where sources[e] == v { selfLoops += 1 }
        }
        for split in SplitName.allCases {
            guard let ids = self.split(split) else { continue }
            if let bad = ids.firstIndex(notBelow: nodeCount) {
                throw GNNError("split.\(split.rawValue)[\(bad)] is \(ids[bad]), not below the node count \(nodeCount)")
            }
        }
        if nodeOrder != nil { _ = try NodeNumbering(self) }
        if let labels, let bad = labels.firstIndex(where: { $0 < -1 }) {
            throw GNNError("node.labels[\(bad)] is \(labels[bad]); labels are class ids ≥ 0, or −1 for none")
        }
        let nodeScan = nodeFeatures.prefix(rows: featureRows ?? nodeCount).scanNonFinite()
        let edgeScan = edgeFeatures?.scanNonFinite() ?? NonFiniteScan(values: 0, firstRows: [])
        return GraphStructureReport(
            isolatedNodes: isolated, maxInDegree: Int(maxDegree), selfLoops: selfLoops,
            nonFiniteNodeFeatures: nodeScan.values, nonFiniteEdgeFeatures: edgeScan.values,
            firstNonFiniteNodeRows: nodeScan.firstRows, firstNonFiniteEdges: edgeScan.firstRows)
    }

    /// Recomputes every section's XXH3-64 and checks the padding between sections is zero.
    public func verifyChecksums() throws {
        var previousEnd = tableEnd
        for section in sections {
            let padding = UnsafeRawBufferPointer(rebasing: fileBytes[Int(previousEnd)..<Int(section.offset)])
            guard padding.allSatisfy({ $0 == 0 }) else {
                throw GNNError("padding before section \"\(section.name)\" (bytes \(previousEnd)..<\(section.offset)) is not zero",
                               in: path, fix: "the file is damaged; pack it again")
            }
            guard Checksum.of(bytes(of: section)) == section.checksum else {
                throw GNNError("section \"\(section.name)\" checksum mismatch (bytes \(section.offset)..<\(section.offset + section.length)); the data is damaged",
                               in: path, fix: "pack the graph again")
            }
            previousEnd = section.offset + section.length
        }
    }
}
