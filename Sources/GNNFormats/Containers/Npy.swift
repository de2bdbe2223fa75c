/// NumPy's `.npy` format: the magic, the version, and the Python-literal header dictionary that precede an
/// array's data (`numpy.lib.format`). The one home of these bytes, for the readers (NumPy inputs to
/// `pack`, file recognition) and the writer (`predict --format npy`).
public enum Npy {
    /// `\x93NUMPY`, the first six bytes of every `.npy` file.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Whether `bytes` start with the `.npy` magic.
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.starts(with: magic)
    }

    /// NumPy's element kinds that an input may use.
    public enum ElementType: Sendable, Equatable {
        case bool, int(bytes: Int), uint(bytes: Int), float(bytes: Int)

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool: 1
            case .int(let b), .uint(let b), .float(let b): b
            }
        }

        /// Whether the elements are integers (booleans included).
        public var isInteger: Bool {
            switch self {
            case .bool, .int, .uint: true
            case .float: false
            }
        }
    }

    /// What the header says about the array that follows it.
    public struct Header: Sendable {
        public var elementType: ElementType
        public var fortranOrder: Bool
        public var shape: [Int]
        /// Where the array's data starts in the file's bytes.
        public var dataOffset: Int

        /// Parses the preamble and header of `.npy` bytes (versions 1.0–3.0); `name` names the array in errors.
        public init(reading bytes: UnsafeRawBufferPointer, name: String) throws {
            guard bytes.count >= 10, Npy.hasMagic(bytes) else {
                throw GNNError("is not a NumPy .npy array (bad magic)", in: name)
            }
            let major = bytes[6], minor = bytes[7]
            // numpy reads 1.0, 2.0 and 3.0 only and refuses any other minor version: so does this reader.
            guard minor == 0 else {
                throw GNNError("uses .npy format version \(major).\(minor); numpy reads 1.0, 2.0 and 3.0", in: name)
            }
            var reader = ByteReader(bytes, at: 8, context: "\(name) header")
            let headerLength: Int
            switch major {
            case 1: headerLength = Int(try reader.read(UInt16.self))
            case 2, 3: headerLength = try Checked.int(UInt64(try reader.read(UInt32.self)), "header length")
            default: throw GNNError("uses .npy format version \(major), which this reader does not know", in: name)
            }
            let header = String(decoding: try reader.readBytes(headerLength), as: UTF8.self)
            dataOffset = reader.position
            (elementType, fortranOrder, shape) = try Self.parse(header, name: name)
        }

        /// The dictionary `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
        private static func parse(_ header: String, name: String) throws -> (ElementType, Bool, [Int]) {
            func value(of key: String) throws -> Substring {
                guard let keyRange = header.range(of: "'\(key)':") else {
                    throw GNNError("has a .npy header without '\(key)'", in: name)
                }
                return header[keyRange.upperBound...].drop { $0 == " " }
            }
            let descrValue = try value(of: "descr")
            guard descrValue.first == "'", let close = descrValue.dropFirst().firstIndex(of: "'") else {
                throw GNNError("has a .npy header with an unreadable descr", in: name)
            }
            let descr = String(descrValue[descrValue.index(after: descrValue.startIndex)..<close])
            let order = descr.first ?? "?"
            let code = descr.dropFirst()
            if order == ">" && code.dropFirst() != "1" {
                throw GNNError("is a big-endian array (\(descr))", in: name, fix: "convert it with arr.astype(arr.dtype.newbyteorder('<'))")
            }
            guard order == "<" || order == "|" || order == "=" || order == ">" else {
                throw GNNError("has dtype \(descr), which is not a plain numeric type", in: name)
            }
            let elementType: ElementType
            switch code {
            case "b1": elementType = .bool
            case "i1", "i2", "i4", "i8": elementType = .int(bytes: Int(code.dropFirst())!)
            case "u1", "u2", "u4", "u8": elementType = .uint(bytes: Int(code.dropFirst())!)
            case "f2", "f4", "f8": elementType = .float(bytes: Int(code.dropFirst())!)
            default:
                throw GNNError("has dtype \(descr); supported: bool, int8–64, uint8–64, float16/32/64", in: name)
            }
            let orderValue = try value(of: "fortran_order")
            guard orderValue.hasPrefix("True") || orderValue.hasPrefix("False") else {
                throw GNNError("has a .npy header whose fortran_order is neither True nor False", in: name)
            }
            let fortranOrder = orderValue.hasPrefix("True")
            let shapeValue = try value(of: "shape")
            guard shapeValue.first == "(", let end = shapeValue.firstIndex(of: ")") else {
                throw GNNError("has a .npy header with an unreadable shape", in: name)
            }
            // A Python tuple of plain decimal integers: `()`, `(3,)`, `(3, 4)` (a trailing comma allowed, no empty
            // entry elsewhere, no sign and no leading zero, as Python's literal syntax and numpy require).
            let inside = shapeValue[shapeValue.index(after: shapeValue.startIndex)..<end]
            var parts = inside.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " L") }
            if inside.allSatisfy({ $0 == " " }) { parts = [] } else if parts.count > 1, parts.last == "" { parts.removeLast() }
            let shape = try parts.map { part in
                guard !part.isEmpty, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber), part == "0" || !part.hasPrefix("0"),
                      let dim = Int(part) else {
                    throw GNNError("has a .npy header with shape entry '\(GNNError.echo(part))'", in: name)
                }
                return dim
            }
            guard shape.count <= 2 else {
                throw GNNError("has \(shape.count) dimensions \(shape); inputs are 1-D or 2-D arrays", in: name)
            }
            return (elementType, fortranOrder, shape)
        }
    }

    /// The preamble and header of a version 1.0 file holding a C-order array of `descr` (`<f4`) with
    /// `shape`, padded so that the data starts at a multiple of 64 bytes, as NumPy writes it.
    public static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dimensions = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dimensions)), }"
        let unpadded = magic.count + 4 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
