/// Writes a graph file: sections are declared with their dtype and shape, then streamed in one at a time.
///
/// The layout (offsets, lengths) follows from the declared shapes, so each section is written straight to
/// its place through an `AtomicOutputFile`; the table with its checksums and the header go last. Nothing
/// appears at the destination path until the whole file is written and flushed.
///
/// ```swift
/// var writer = GraphFileWriter(nodeCount: 3, edgeCount: 2)
/// writer.add(.rowOffsets, dtype: .uint64, shape: [4]) { try $0.write([0, 0, 1, 2] as [UInt64]) }
/// ...
/// try writer.write(to: "graph.bin")
/// ```
public struct GraphFileWriter {
    /// Fills one section; must write exactly the section's length.
    public typealias Fill = (inout SectionSink) throws -> Void

    private let nodeCount: UInt64
    private let edgeCount: UInt64
    private let features: GraphFeatures
    private var planned: [(section: GraphSection, fill: Fill)] = []

    public init(nodeCount: Int, edgeCount: Int, features: GraphFeatures = []) {
        self.nodeCount = UInt64(nodeCount)
        self.edgeCount = UInt64(edgeCount)
        self.features = features
    }

    /// Declares a section of a known kind.
    public mutating func add(_ kind: GraphSectionKind, dtype: DType, shape: [Int], fill: @escaping Fill) {
        add(named: kind.rawValue, dtype: dtype, shape: shape, fill: fill)
    }

    /// Declares a section by name (tests use this to write sections this reader does not know).
    public mutating func add(named name: String, dtype: DType, shape: [Int], fill: @escaping Fill) {
        precondition(name.utf8.count <= GraphFormat.maxNameLength && !name.isEmpty)
        precondition(!planned.contains { $0.section.name == name }, "section \(name) declared twice")
        planned.append((GraphSection(name: name, dtype: dtype, shape: shape.map(UInt64.init)), fill))
    }

    /// Writes the file atomically to `path` and returns its length in bytes.
    @discardableResult
    public func write(to path: String, overwrite: Bool = true) throws -> UInt64 {
        var sections = planned.map(\.section)
        let tableEnd = UInt64(GraphFormat.headerSize + sections.count * GraphFormat.entrySize)
        var offset = try Checked.alignUp(tableEnd, to: GraphFormat.alignment)
        for i in sections.indices {
            sections[i].offset = offset
            let elements = try Checked.product(sections[i].shape, "section \(sections[i].name)")
            sections[i].length = try Checked.multiply(elements, UInt64(sections[i].dtype.size), "section \(sections[i].name)")
            let end = try Checked.add(offset, sections[i].length, "file length")
            offset = i == sections.count - 1 ? end : try Checked.alignUp(end, to: GraphFormat.alignment)
        }
        let fileLength = offset

        let output = try AtomicOutputFile(path: path, overwrite: overwrite)
        try output.setLength(fileLength)
        for i in sections.indices {
            var sink = SectionSink(output: output, section: sections[i])
            try planned[i].fill(&sink)
            sections[i].checksum = try sink.finish()
        }

        var table = ByteWriter()
        for section in sections { section.write(to: &table) }
        var header = ByteWriter()
        let required = (sections.contains { $0.kind == .nodeOrder } ? GraphFormat.nodeOrderFeature : 0)
            | (sections.contains { $0.kind == .shardSet } ? GraphFormat.shardFeature | GraphFormat.ownedFirstFeature : 0)
        FilePreamble(kind: .graph, version: GraphFormat.version, requiredFeatures: required,
                     optionalFeatures: features.rawValue).write(to: &header)
        GraphFileHeader(nodeCount: nodeCount, edgeCount: edgeCount, sectionCount: UInt32(sections.count),
                        entrySize: UInt32(GraphFormat.entrySize), tableOffset: UInt64(GraphFormat.headerSize),
                        tableChecksum: Checksum.of(table.bytes), fileLength: fileLength).write(to: &header)
        header.write(Checksum.of(header.bytes))
        try output.write(header.bytes + table.bytes, at: 0)
        try output.commit()
        return fileLength
    }
}

/// Receives one section's bytes in order, buffers them, and hashes them on the way to the file.
public struct SectionSink: ~Copyable {
    private let output: AtomicOutputFile
    private let section: GraphSection
    private var written: UInt64 = 0
    private var buffer: [UInt8] = []
    private var checksum = Checksum()
    private static let bufferSize = 1 << 20

    init(output: AtomicOutputFile, section: GraphSection) {
        self.output = output
        self.section = section
        buffer.reserveCapacity(SectionSink.bufferSize)
    }

    /// Appends raw bytes.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard written + UInt64(buffer.count) + UInt64(bytes.count) <= section.length else {
            preconditionFailure("section \(section.name) written past its declared length \(section.length)")
        }
        if buffer.count + bytes.count > SectionSink.bufferSize { try flush() }
        if bytes.count >= SectionSink.bufferSize {
            checksum.update(bytes)
            try output.write(bytes, at: section.offset + written)
            written += UInt64(bytes.count)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends the bytes of an array of plain values (integers, floats).
    public mutating func write<T: BitwiseCopyable>(_ values: [T]) throws {
        try values.withUnsafeBytes { try write($0) }
    }

    /// Appends the bytes of a buffer of plain values.
    public mutating func write<T: BitwiseCopyable>(_ values: UnsafeBufferPointer<T>) throws {
        try write(UnsafeRawBufferPointer(values))
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in
            checksum.update(raw)
            try output.write(raw, at: section.offset + written)
        }
        written += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and returns the checksum; the section must be complete.
    mutating func finish() throws -> UInt64 {
        try flush()
        precondition(written == section.length,
                     "section \(section.name) got \(written) of its \(section.length) bytes")
        return checksum.value
    }
}
