import Foundation
import GNNFormats
import TestSupport
import XCTest

/// The architecture's parts (format 1.1): how files state them, what a 1.0 file's fields mean, and the
/// combinations refused with the part named.
final class ArchitecturePartsTests: XCTestCase {
    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(json.utf8))
    }

    private func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func testOneZeroFormsMeanPyTorchDefaultsAndTheWriterStatesEveryField() throws {
        XCTAssertEqual(try decode(NormSpec.self, #""batch""#), NormSpec(kind: .batch, eps: 1e-5, affine: true))
        XCTAssertEqual(try decode(NormSpec.self, #"{"kind": "layer", "eps": 1e-6}"#), NormSpec(kind: .layer, eps: 1e-6))
        XCTAssertEqual(try encode(NormSpec.layer), #"{"affine":true,"eps":1e-05,"kind":"layer"}"#)
        XCTAssertEqual(try decode(ActivationSpec.self, #""relu""#), .relu)
        XCTAssertEqual(try encode(ActivationSpec.relu), #""relu""#)
        let leaky = try decode(ActivationSpec.self, #""leaky_relu""#)
        XCTAssertEqual(leaky.negativeSlope, 0.01)
        XCTAssertEqual(try encode(leaky), #"{"kind":"leaky_relu","negative_slope":0.01}"#)
        XCTAssertEqual(try decode(ActivationSpec.self, #"{"kind": "gelu", "approximate": "tanh", "alpha": 3}"#).approximate, .tanh)
        XCTAssertNil(try decode(ActivationSpec.self, #"{"kind": "gelu", "alpha": 3}"#).alpha, "another kind's parameter is ignored")
        XCTAssertEqual(try decode(HeadSpec.self, #"{"norm": "layer0"}"#).norm, .layer0)
        XCTAssertEqual(try decode(HeadSpec.self, #"{"norm": "none"}"#).norm, .own(.none))
        XCTAssertEqual(try decode(BlockSpec.self, "{}"), BlockSpec(kind: .resPlus, first: .conv))
    }

    func testUnknownNamesAreRefusedWithTheSupportedOnes() {
        func message(_ body: () throws -> Any) -> String? {
            do { _ = try body() } catch DecodingError.dataCorrupted(let context) { return context.debugDescription } catch {}
            return nil
        }
        XCTAssertEqual(message { try self.decode(ActivationSpec.self, #""mish""#) },
                       #"activation "mish" is not supported (relu, leaky_relu, elu, gelu, silu)"#)
        XCTAssertEqual(message { try self.decode(NormSpec.self, #"{"kind": "group"}"#) },
                       #"norm "group" is not supported (batch, layer, graph-layer, none)"#)
    }

    private func architecture(_ family: ModelArchitecture.Family = .revgnn, conv: ConvSpec = .sage(SAGEOptions()),
                              edgeChannels: Int = 0, norm: NormSpec = .layer, activation: ActivationSpec = .relu,
                              block: BlockSpec? = nil, head: HeadSpec? = nil, encoder: EncoderSpec? = nil) -> ModelArchitecture {
        let reversible = family == .revgnn || family == .wtRevgnn
        return ModelArchitecture(family: family, layers: 2, groups: reversible ? 2 : 1, inputChannels: 3, hiddenChannels: 4,
                                 outputChannels: 2, edgeChannels: edgeChannels, task: .multiClass, norm: norm,
                                 activation: activation, conv: conv, block: block, head: head, encoder: encoder,
                                 solver: family == .deq ? SolverSpec(method: .picard, tolerance: 1e-4, maxIterations: 10) : nil)
    }

    func testCombinationsTheEngineCannotRunAreRefusedNamingThePart() {
        let gen = ConvSpec.gen(GENOptions())
        let cases: [(ModelArchitecture, String)] = [
            (architecture(block: BlockSpec(kind: .res)), "block describes the layers of the resgnn and wt-resgnn families"),
            (architecture(head: HeadSpec(norm: .layer0)), #"head.norm "layer0" reuses layers.0.norm of the resgnn and wt-resgnn families"#),
            (architecture(.resgnn, edgeChannels: 3, encoder: EncoderSpec(edge: "edge_encoder")), "encoder.edge feeds convs that read edge features (gen, gat, gatv2); the conv is sage"),
            (architecture(.resgnn, conv: gen, encoder: EncoderSpec(edge: "edge_encoder")), "encoder.edge needs edge features"),
            (architecture(conv: gen, edgeChannels: 3, encoder: EncoderSpec(edge: "edge_encoder")), "encoder.edge is supported by the resgnn and wt-resgnn families only"),
            (architecture(norm: NormSpec(kind: .layer, eps: 0)), "norm: eps is 0.0; it must be a positive number"),
            (architecture(head: HeadSpec(norm: .own(NormSpec(kind: .batch, eps: -1)))), "head.norm: eps is -1.0"),
            (architecture(.deq, activation: ActivationSpec(.gelu)), "activation gelu is not supported by the deq family (relu only)"),
            (architecture(.deq, head: HeadSpec()), "head and encoder describe revgnn and resgnn models"),
            (architecture(encoder: EncoderSpec(node: "")), "encoder.node is empty"),
        ]
        for (architecture, message) in cases {
            assertGNNError(message) { try architecture.validate() }
        }
        XCTAssertNoThrow(try architecture(.resgnn, conv: gen, edgeChannels: 3, block: BlockSpec(kind: .plain, first: .block),
                                          head: HeadSpec(norm: .own(.batch)), encoder: EncoderSpec(edge: "e")).validate())
    }

    /// A file of a later minor version may name a part this reader does not know: the error says which
    /// version the file is and that it is newer.
    func testAPartOfANewerMinorVersionIsRefusedAsSuch() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try ModelFixture.write())))
        let metadata = Array("\"activation\":\"relu\"".utf8), newer = Array("\"activation\":\"mish\"".utf8)
        let at = try XCTUnwrap((0...(bytes.count - metadata.count)).first { Array(bytes[$0..<$0 + metadata.count]) == metadata })
        bytes.replaceSubrange(at..<at + newer.count, with: newer)
        store(UInt16(9), at: 14, in: &bytes)   // version_minor
        resealModel(&bytes)
        let path = temporaryPath("newer.gnnz")
        writeBytes(bytes, to: path)
        assertGNNError(#"activation "mish" is not supported"#) { try ModelFile(path: path) }
        assertGNNError("the file is model format 1.9, written by a newer gnn-serve") { try ModelFile(path: path) }
    }
}
