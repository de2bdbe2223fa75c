/// The element types both file formats store, with their on-disk ids.
///
/// The ids are part of both formats (see `formats/graph.md` and `formats/model.md`): they never change
/// meaning. Ids 16–31 are reserved for quantised types (e.g. int8 with per-row scales).
public enum DType: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case uint8 = 1
    case int32 = 2
    case uint32 = 3
    case int64 = 4
    case uint64 = 5
    case float32 = 6
    case float16 = 7
    case bfloat16 = 8

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .uint8: 1
        case .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64: 8
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloatingPoint: Bool { self == .float32 || self == .float16 || self == .bfloat16 }

    /// The short name used on the command line, in `info` and in the specs: `f32`, `f16`, `bf16`, `u32`, ...
    public var description: String {
        switch self {
        case .uint8: "u8"
        case .int32: "i32"
        case .uint32: "u32"
        case .int64: "i64"
        case .uint64: "u64"
        case .float32: "f32"
        case .float16: "f16"
        case .bfloat16: "bf16"
        }
    }

    /// The type with the short name `name`, if any.
    public init?(name: String) {
        guard let match = DType.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }

    /// Reads a dtype id from a file, with an error naming the field when the id is unknown.
    public init(id: UInt8, field: @autoclosure () -> String) throws {
        guard let dtype = DType(rawValue: id) else {
            throw GNNError("\(field()) has unknown dtype id \(id) (this reader knows 1–8)",
                           fix: "the file was written by a newer tool or is damaged")
        }
        self = dtype
    }
}
