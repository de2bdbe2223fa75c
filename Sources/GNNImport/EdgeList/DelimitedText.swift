import CGzip
import GNNFormats
#if canImport(Glibc)
import Glibc
#endif

/// Reads a delimited text table line by line, gzip-compressed or plain (zlib's `gzread` reads both).
///
/// Fields may be separated by commas, tabs, semicolons or spaces. Blank lines and lines starting with `#`
/// or `%` are skipped; so is a first line that does not start with a number (a header).
struct DelimitedText {
    let path: String

    /// Calls `body(lineNumber, line)` for each data line; `line` is NUL-terminated and valid only during the call.
    func forEachLine(_ body: (Int, UnsafeMutablePointer<CChar>) throws -> Void) throws {
        guard let file = gzopen(path, "rb") else {
            throw GNNError("cannot be opened: \(String(cString: strerror(errno)))", in: path, fix: "check the path")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 20)
        let capacity = 1 << 24
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var lineNumber = 0
        var sawData = false
        while gzgets(file, buffer, Int32(capacity)) != nil {
            lineNumber += 1
            let length = strlen(buffer)
            if length == capacity - 1 && buffer[length - 1] != 10 {
                throw GNNError("line \(lineNumber) is longer than \(capacity) bytes", in: path)
            }
            var start = buffer
            while start.pointee == 32 || start.pointee == 9 { start += 1 }
            let first = UInt8(bitPattern: start.pointee)
            if first == 10 || first == 13 || first == 0 || first == UInt8(ascii: "#") || first == UInt8(ascii: "%") { continue }
            if !sawData {
                sawData = true
                let numeric = (first >= 48 && first <= 57) || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                    || first == UInt8(ascii: ".") || first == UInt8(ascii: "n") || first == UInt8(ascii: "i")
                    || first == UInt8(ascii: "N") || first == UInt8(ascii: "I")
                if !numeric { continue }
            }
            try body(lineNumber, start)
        }
        var code: Int32 = 0
        let message = gzerror(file, &code)
        if code < 0 && code != Z_BUF_ERROR || code == Z_DATA_ERROR {
            throw GNNError("cannot be read past line \(lineNumber): \(message.map { String(cString: $0) } ?? "zlib error \(code)")",
                           in: path, fix: "the file is damaged or truncated")
        }
    }

    /// Parses every number on `line` as f32 into `values` (replacing its contents).
    static func parseFloats(_ line: UnsafeMutablePointer<CChar>, into values: inout [Float]) -> Bool {
        values.removeAll(keepingCapacity: true)
        var cursor = line
        while true {
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtof(cursor, &end)
            guard let end, end != cursor else { return atLineEnd(cursor) }
            values.append(value)
            cursor = skipSeparator(end)
        }
    }

    /// Parses every number on `line` as an integer into `values`.
    static func parseIntegers(_ line: UnsafeMutablePointer<CChar>, into values: inout [Int64]) -> Bool {
        values.removeAll(keepingCapacity: true)
        var cursor = line
        while true {
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let value = strtoll(cursor, &end, 10)
            guard let end, end != cursor, errno == 0 else { return atLineEnd(cursor) }
            // A float such as "1.0" is not an integer id.
            if end.pointee == 46 || end.pointee == 101 || end.pointee == 69 { return false }
            values.append(Int64(value))
            cursor = skipSeparator(end)
        }
    }

    /// The first separator on a data line: a comma, semicolon or tab, else a space.
    static func separator(of line: UnsafeMutablePointer<CChar>) -> UInt8 {
        var p = line
        while p.pointee != 0 && p.pointee != 10 {
            if p.pointee == 44 || p.pointee == 59 || p.pointee == 9 { return UInt8(p.pointee) }
            p += 1
        }
        return 32
    }

    /// A separator's name for messages.
    static func name(of separator: UInt8) -> String {
        switch separator {
        case 44: "commas"
        case 59: "semicolons"
        case 9: "tabs"
        default: "spaces"
        }
    }

    private static func skipSeparator(_ p: UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar> {
        var p = p
        while p.pointee == 32 || p.pointee == 9 { p += 1 }
        if p.pointee == 44 || p.pointee == 59 { p += 1 }
        return p
    }

    private static func atLineEnd(_ p: UnsafeMutablePointer<CChar>) -> Bool {
        var p = p
        while p.pointee == 32 || p.pointee == 9 || p.pointee == 13 || p.pointee == 10 { p += 1 }
        return p.pointee == 0
    }

    /// Reads a table of floats with the same number of columns on every line.
    func readFloatMatrix() throws -> FloatMatrixValues {
        let (values, rows, columns) = try readTable(parse: DelimitedText.parseFloats, kind: "a number")
        return FloatMatrixValues(values: values, rows: rows, columns: columns)
    }

    /// Reads a table of integers; returns the values row-major and the column count.
    func readIntegerMatrix() throws -> (values: [Int64], columns: Int) {
        let (values, _, columns) = try readTable(parse: DelimitedText.parseIntegers, kind: "an integer")
        return (values, columns)
    }

    /// Reads a rectangular table with `parse`, which fills one row and reports whether the line was valid.
    private func readTable<Value>(parse: (UnsafeMutablePointer<CChar>, inout [Value]) -> Bool,
                                  kind: String) throws -> (values: [Value], rows: Int, columns: Int) {
        var values: [Value] = []
        var row: [Value] = []
        var columns = -1
        var rows = 0
        try forEachLine { lineNumber, line in
            guard parse(line, &row) else {
                throw GNNError("line \(lineNumber) has a field that is not \(kind)", in: path)
            }
            if columns < 0 { columns = row.count }
            guard row.count == columns else {
                throw GNNError("line \(lineNumber) has \(row.count) columns, earlier lines \(columns)", in: path)
            }
            values.append(contentsOf: row)
            rows += 1
        }
        return (values, rows, max(columns, 0))
    }
}
