import CommandLineSupport
import Foundation
import GNNFormats

// The text of `gnn-serve info`: how the command line shows the summaries GNNFormats computes.

extension FileInfo {
    /// Human-readable lines.
    var text: String {
        switch self {
        case .graph(let info): info.text
        case .model(let info): info.text
        }
    }
}

extension GraphInfo {
    var text: String {
        var lines = [
            "\(path): gnn-serve graph, format \(version), \(ByteCount(fileBytes))",
            "  nodes        \(nodes)",
            "  edges        \(edges) (CSR by destination, \(sourceIndexDtype) sources)",
            "  features     \(nodeFeatures) per node (\(nodeFeatureDtype))" + (edgeFeatures > 0 ? ", \(edgeFeatures) per edge" : ""),
            "  labels       \(labels)",
        ]
        if !splits.isEmpty {
            lines.append("  splits       " + SplitName.allCases.compactMap { s in splits[s.rawValue].map { "\(s.rawValue) \($0)" } }.joined(separator: ", "))
        }
        if !properties.isEmpty { lines.append("  properties   " + properties.joined(separator: ", ")) }
        lines.append("  symmetric    \(symmetric)" + (symmetric == "unknown" ? " (packed before graph format 1.2; pack it again to measure)" : ""))
        lines.append("  self loops   \(selfLoops)")
        if reordered { lines.append("  node order   reordered at pack time (node.order maps rows to input ids)") }
        if let shard {
            lines.append("  shard        \(shard.index) of \(shard.count) (set \(shard.setID)) of a graph of \(shard.wholeNodes) nodes, \(shard.wholeEdges) edges")
            lines.append("    owned rows \(shard.ownedRows), halo \(shard.haloRows) rows, edge cut \(shard.cutEdges) edges, \(shard.sentRows) rows sent to other shards")
        }
        lines.append("  sections")
        for section in sections {
            let shape = section.shape.map(String.init).joined(separator: " × ")
            lines.append("    \(section.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(section.dtype.padding(toLength: 5, withPad: " ", startingAt: 0)) [\(shape)]  \(ByteCount(Int(section.bytes)))")
        }
        if let verification {
            lines.append("  verified     structure and checksums OK")
            lines.append("    isolated nodes \(verification.isolatedNodes), max in-degree \(verification.maxInDegree), self loops \(verification.selfLoops)")
            if verification.nonFiniteNodeFeatures > 0 || verification.nonFiniteEdgeFeatures > 0 {
                lines.append("    warning: \(verification.nonFiniteNodeFeatures) node-feature and \(verification.nonFiniteEdgeFeatures) edge-feature values are NaN or infinite")
            }
        } else {
            lines.append("  (header and table checked; --verify checks structure and checksums)")
        }
        return lines.joined(separator: "\n")
    }
}

extension ModelInfo {
    var text: String {
        let a = metadata.architecture
        var conv = a.conv.kind.rawValue
        if case .gat(let gat) = a.conv { conv += ", \(gat.heads) heads" }
        if case .gatv2(let gat) = a.conv { conv += ", \(gat.heads) heads" + (gat.shareWeights ? ", shared weights" : "") }
        if case .sage(let sage) = a.conv { conv += ", aggr \(sage.aggr.rawValue)" }
        if case .gen(let gen) = a.conv { conv += ", aggr \(gen.aggr.rawValue)" }
        if case .gcn2(let gcn2) = a.conv {
            conv += ", alpha \(gcn2.alpha), theta \(gcn2.theta.map { "\($0)" } ?? "none")" + (gcn2.sharedWeights ? "" : ", separate weights")
        }
        var lines = [
            "\(path): gnn-serve model, format \(version), \(ByteCount(fileBytes))",
            "  name         \(metadata.name ?? "(none)")",
            "  family       \(a.family.rawValue), \(a.layers) layers" + (a.groups > 1 ? ", \(a.groups) groups" : ""),
            "  conv         \(conv)",
            "  channels     \(a.inputChannels) in → \(a.hiddenChannels) hidden → \(a.outputChannels) out" + (a.edgeChannels > 0 ? ", \(a.edgeChannels) per edge" : ""),
            "  norm         \(a.norm.text), activation \(a.activation.text)" + (a.isResidual ? ", \(a.resolvedBlock.text)" : ""),
            "  task         \(a.task.rawValue)",
            "  graph        " + (metadata.graph.map { "expects " + $0.text } ?? "not recorded"),
        ]
        if a.isReversible || a.isResidual { lines.insert("  head         \(a.headText)", at: lines.count - 2) }
        if let solver = a.solver {
            lines.append("  solver       \(solver.method.rawValue), tol \(solver.tolerance) (\((solver.stopMode ?? .relative).rawValue)), max \(solver.maxIterations) iterations"
                + (solver.memory.map { ", memory \($0)" } ?? "") + (solver.damping.map { ", damping \($0)" } ?? "")
                + (solver.regularization.map { ", regularization \($0)" } ?? "") + ", starts from \((solver.initialState ?? .zeros).rawValue)")
        }
        if let estimate = memoryEstimate {
            lines.append("  memory       \(estimate.stateCopies) × N × \(a.hiddenChannels) floats (\(ByteCount(estimate.bytesPerNode)) per node): "
                + "\(estimate.solverCopies) for the solver, \(estimate.order), and \(EquilibriumMemory.functionCopies) for f, "
                + "plus the conv's scratch; the same for any number of iterations")
        }
        lines += [
            "  parameters   \(metadata.parameterCount)",
            "  tensors      \(tensors.count) (\(tensors.filter { $0.aliasOf != nil }.count) shared), \(ByteCount(Int(tensorBytesRaw))) raw → \(ByteCount(Int(tensorBytesStored))) stored",
            "  producer     \(metadata.producer)" + (metadata.createdAt.map { ", \($0)" } ?? ""),
        ]
        if let framework = metadata.sourceFramework { lines.append("  source       \(framework)") }
        if let state = metadata.stateDtype { lines.append("  state dtype  \(state.prefix(32)) recommended (predict --state-dtype overrides)") }
        for (key, value) in (metadata.training ?? [:]).sorted(by: { $0.key < $1.key }) {
            lines.append("  training     \(key): \(value)")
        }
        if let names = metadata.classNames { lines.append("  classes      \(names.joined(separator: ", "))") }
        lines.append("  tensors")
        for t in tensors {
            let shape = t.shape.map(String.init).joined(separator: " × ")
            let storage = t.aliasOf.map { "= \($0)" } ?? "\(t.encoding) \(ByteCount(Int(t.storedBytes)))"
            lines.append("    \(t.name) \(t.dtype) [\(shape)] \(storage)" + (t.buffer ? " (buffer)" : ""))
        }
        lines.append(verified ? "  verified     every tensor decoded, checksums OK" : "  (header, metadata and table checked; --verify decodes every tensor)")
        return lines.joined(separator: "\n")
    }
}

// How the architecture's parts read in `info`: `layer (eps 1e-05)`, `leaky_relu (negative_slope 0.1)`.
extension NormSpec {
    var text: String {
        kind == .none ? "none" : "\(kind.rawValue) (eps \(eps)" + (affine ? ")" : ", no affine)")
    }
}

extension ActivationSpec {
    var text: String {
        let parameter = negativeSlope.map { "negative_slope \($0)" } ?? alpha.map { "alpha \($0)" }
            ?? approximate.map { "approximate \($0.rawValue)" }
        return kind.rawValue + (parameter.map { " (\($0))" } ?? "")
    }
}

extension BlockSpec {
    var text: String { "\(kind.rawValue) layers after layer 0's " + (first == .conv ? "bare conv" : "full layer") }
}

extension ModelArchitecture {
    var headText: String {
        let norm = switch headNormChoice {
        case .layer0: "layer 0's norm"
        case .own(let spec): spec.text
        }
        return "\(norm) → \(headActivation.text) → \(headLinearName)"
    }
}
