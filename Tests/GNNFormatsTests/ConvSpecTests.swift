import Foundation
import GNNFormats
import TestSupport
import XCTest

/// `architecture.conv` as the model file and `.arch.json` store it (`formats/model.md` §8.3).
final class ConvSpecTests: XCTestCase {
    private func decode(_ json: String) throws -> ConvSpec {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ConvSpec.self, from: Data(json.utf8))
    }

    private func encode(_ spec: ConvSpec) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(spec), as: UTF8.self)
    }

    func testAbsentKeysTakePyGDefaultsAndOtherKindsKeysAreIgnored() throws {
        XCTAssertEqual(try decode(#"{"kind": "gcn", "heads": 4, "aggr": "max", "learn_msg_scale": true}"#), .gcn(GCNOptions()))
        XCTAssertEqual(try decode(#"{"kind": "sage"}"#), .sage(SAGEOptions()))
        XCTAssertEqual(try decode(#"{"kind": "gen", "heads": null, "mlp_norm": null}"#), .gen(GENOptions()))
        guard case .gat(let gat) = try decode(#"{"kind": "gat", "heads": 2, "normalize": false}"#) else { return XCTFail("not gat") }
        XCTAssertEqual(gat.heads, 2)
        XCTAssertEqual(gat.negativeSlope, 0.2)
        XCTAssertNil(gat.edgeDim)
        XCTAssertEqual(try decode(#"{"kind": "gatv2", "heads": null, "aggr": "max"}"#), .gatv2(GATv2Options()))
        guard case .gatv2(let gatv2) = try decode(#"{"kind": "gatv2", "share_weights": true}"#) else { return XCTFail("not gatv2") }
        XCTAssertTrue(gatv2.shareWeights)
        XCTAssertEqual(gatv2.heads, 1)
    }

    /// The writer states every option of the kind (resolved), and only those; `edge_dim` only when given.
    func testEncodingWritesEveryOptionOfItsKind() throws {
        XCTAssertEqual(try encode(.gcn(GCNOptions())),
                       #"{"add_self_loops":true,"bias":true,"improved":false,"kind":"gcn","normalize":true}"#)
        XCTAssertEqual(try encode(.sage(SAGEOptions())),
                       #"{"aggr":"mean","bias":true,"kind":"sage","normalize":false,"project":false,"root_weight":true}"#)
        var gat = GATOptions()
        gat.edgeDim = 3
        XCTAssertEqual(try encode(.gat(gat)),
                       #"{"add_self_loops":true,"bias":true,"concat":true,"edge_dim":3,"heads":1,"kind":"gat","negative_slope":0.2,"residual":false}"#)
        var gatv2 = GATv2Options()
        gatv2.edgeDim = 3
        XCTAssertEqual(try encode(.gatv2(gatv2)),
                       #"{"add_self_loops":true,"bias":true,"concat":true,"edge_dim":3,"heads":1,"kind":"gatv2","negative_slope":0.2,"residual":false,"share_weights":false}"#)
        XCTAssertEqual(try encode(.gen(try XCTUnwrap(genOptions(#"{"kind": "gen", "aggr": "power", "learn_msg_scale": true}"#)))),
                       #"{"aggr":"powermean","bias":false,"expansion":2,"kind":"gen","learn_p":false,"learn_t":false,"mlp_norm":"batch","msg_norm":false,"num_layers":2,"p":1,"t":1}"#)
        for spec in [ConvSpec.gcn(GCNOptions()), .sage(SAGEOptions()), .gat(gat), .gatv2(gatv2), .gen(GENOptions()), .gcn2(GCN2Options(alpha: 0.2))] {
            XCTAssertEqual(try decode(try encode(spec)), spec)
        }
    }

    func testAggregationAliasesReadAsPyGDoes() throws {
        XCTAssertEqual(try genOptions(#"{"kind": "gen", "aggr": "sum"}"#)?.aggr, .add)
        XCTAssertEqual(try genOptions(#"{"kind": "gen", "aggr": "power"}"#)?.aggr, .powerMean)
        XCTAssertEqual(try genOptions(#"{"kind": "gen", "aggr": "softmax_sg", "mlp_norm": "none"}"#)?.mlpNorm, GENOptions.MLPNorm.none)
        guard case .sage(let sage) = try decode(#"{"kind": "sage", "aggr": "add"}"#) else { return XCTFail("not sage") }
        XCTAssertEqual(sage.aggr, .sum)
        XCTAssertEqual(try encode(.sage(sage)),
                       #"{"aggr":"sum","bias":true,"kind":"sage","normalize":false,"project":false,"root_weight":true}"#)
    }

    /// GCN2Conv's alpha has no PyG default, so a file must state it; theta is written only when given.
    func testGCN2NeedsAlphaAndWritesThetaOnlyWhenGiven() throws {
        XCTAssertThrowsError(try decode(#"{"kind": "gcn2", "theta": 0.5}"#)) { error in
            guard case DecodingError.keyNotFound(let key, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key.stringValue, "alpha")
        }
        XCTAssertEqual(try decode(#"{"kind": "gcn2", "alpha": 0.5}"#), .gcn2(GCN2Options(alpha: 0.5)))
        var options = GCN2Options(alpha: 0.1)
        XCTAssertEqual(try encode(.gcn2(options)),
                       #"{"add_self_loops":true,"alpha":0.1,"kind":"gcn2","normalize":true,"shared_weights":true}"#)
        XCTAssertEqual(options.beta(layer: 4), 1)
        options.theta = 0.5
        options.sharedWeights = false
        XCTAssertEqual(try decode(try encode(.gcn2(options))), .gcn2(options))
        XCTAssertEqual(options.beta(layer: 4), log(0.5 / 4 + 1))
    }

    /// gcn2 and the gcnii family go together, without norm or edge features.
    func testGCNIIFamilyNeedsGCN2WithoutNormOrEdgeFeatures() {
        var architecture = ModelArchitecture(family: .gcnii, layers: 8, groups: 1, inputChannels: 4, hiddenChannels: 8,
                                             outputChannels: 2, task: .multiClass, norm: .none, conv: .gcn2(GCN2Options(alpha: 0.1)))
        XCTAssertNoThrow(try architecture.validate())
        architecture.norm = .layer
        assertGNNError("the gcnii family has no norm; set norm to \"none\"") { try architecture.validate() }
        architecture.norm = .none
        architecture.edgeChannels = 3
        assertGNNError("the gcnii family reads no edge features") { try architecture.validate() }
        architecture.edgeChannels = 0
        architecture.conv = .gcn(GCNOptions())
        assertGNNError("the gcnii family needs conv kind gcn2, not gcn") { try architecture.validate() }
        architecture.family = .resgnn
        architecture.conv = .gcn2(GCN2Options(alpha: 0.1))
        assertGNNError("conv kind gcn2 is only used by the gcnii family, not resgnn") { try architecture.validate() }
    }

    func testUnknownNamesAreRefusedListingTheAllowedValues() {
        let cases = [(#"{"kind": "sage", "aggr": "lstm"}"#, #"SAGEConv with aggr "lstm" is not supported (mean, sum, max)"#),
                     (#"{"kind": "gen", "aggr": "lstm"}"#, "(softmax, softmax_sg, powermean, max, mean, add)"),
                     (#"{"kind": "gen", "mlp_norm": "group"}"#, #"GENConv MLP norm "group" is not supported (batch, layer, none)"#)]
        for (json, fragment) in cases {
            XCTAssertThrowsError(try decode(json)) { error in
                guard case DecodingError.dataCorrupted(let context) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(context.debugDescription.contains(fragment), context.debugDescription)
            }
        }
    }

    func testEdgeDimMustEqualEdgeChannels() throws {
        var gen = GENOptions()
        gen.edgeDim = 3
        var architecture = ModelArchitecture(family: .resgnn, layers: 2, groups: 1, inputChannels: 4, hiddenChannels: 8,
                                             outputChannels: 2, edgeChannels: 3, task: .multiClass, norm: .layer, conv: .gen(gen))
        XCTAssertNoThrow(try architecture.validate())
        architecture.edgeChannels = 5
        assertGNNError("conv edge_dim is 3 but the architecture's edge_channels is 5") { try architecture.validate() }
        architecture.conv = .gen(GENOptions())
        XCTAssertNoThrow(try architecture.validate(), "edge_dim not given")
    }

    private func genOptions(_ json: String) throws -> GENOptions? {
        guard case .gen(let options) = try decode(json) else { return nil }
        return options
    }
}
