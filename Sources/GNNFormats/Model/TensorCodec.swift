import CZstd

/// How a tensor's bytes are stored in a model file.
public enum TensorEncoding: UInt8, Sendable, CustomStringConvertible {
    /// The raw little-endian elements.
    case raw = 0
    /// Elements byte-shuffled by element size, then one zstd frame (with content size and checksum).
    case shuffledZstd = 1
    /// No bytes: the tensor is the tensor at table index `offset` (weight tying).
    case alias = 2

    public var description: String {
        switch self {
        case .raw: "raw"
        case .shuffledZstd: "shuffle+zstd"
        case .alias: "alias"
        }
    }
}

/// Byte shuffling and zstd compression of tensor data.
///
/// Shuffling groups the k-th byte of every element together (all exponents, then all mantissa bytes), which
/// makes float weights far more compressible. The corresponding C functions are `ZSTD_compress2` and
/// `ZSTD_decompressDCtx`.
public enum TensorCodec {
    /// `raw` with elements of `elementSize` bytes, byte-shuffled: output[j·n + i] = raw[i·k + j].
    public static func shuffle(_ raw: UnsafeRawBufferPointer, elementSize k: Int) -> [UInt8] {
        let n = raw.count / k
        return [UInt8](unsafeUninitializedCapacity: raw.count) { out, count in
            for j in 0..<k {
                for i in 0..<n { out[j * n + i] = raw[i * k + j] }
            }
            count = raw.count
        }
    }

    /// The inverse of `shuffle`.
    public static func unshuffle(_ shuffled: UnsafeRawBufferPointer, elementSize k: Int,
                                 into out: UnsafeMutableRawBufferPointer) {
        let n = shuffled.count / k
        for j in 0..<k {
            for i in 0..<n { out[i * k + j] = shuffled[j * n + i] }
        }
    }

    /// Shuffles and compresses `raw`; returns `nil` when that does not make it smaller.
    ///
    /// Each byte plane ends a zstd block (a flush), so each gets its own entropy tables: an exponent plane
    /// and a near-random mantissa plane coded with one table would both cost nearly 8 bits per byte. The
    /// result is still one frame with content size and checksum, decoded by `decompress` as any other.
    public static func compress(_ raw: UnsafeRawBufferPointer, elementSize: Int, level: Int32) throws -> [UInt8]? {
        guard !raw.isEmpty else { return nil }
        let shuffled = shuffle(raw, elementSize: elementSize)
        guard let context = ZSTD_createCCtx() else { throw GNNError("zstd could not allocate a compression context") }
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1)
        ZSTD_CCtx_setPledgedSrcSize(context, UInt64(raw.count))
        let bound = ZSTD_compressBound(raw.count) + elementSize * 16
        var output = [UInt8](repeating: 0, count: bound)
        let plane = raw.count / elementSize
        var written = 0
        try shuffled.withUnsafeBytes { input in
            try output.withUnsafeMutableBytes { out in
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: bound, pos: 0)
                for index in 0..<elementSize {
                    let isLast = index == elementSize - 1
                    let end = isLast ? input.count : (index + 1) * plane
                    var inBuffer = ZSTD_inBuffer(src: input.baseAddress! + index * plane, size: end - index * plane, pos: 0)
                    var remaining: Int
                    repeat {
                        remaining = ZSTD_compressStream2(context, &outBuffer, &inBuffer, isLast ? ZSTD_e_end : ZSTD_e_flush)
                        if ZSTD_isError(remaining) != 0 {
                            throw GNNError("zstd compression failed: \(String(cString: ZSTD_getErrorName(remaining)))")
                        }
                    } while remaining != 0 && outBuffer.pos < bound
                    guard remaining == 0 else { throw GNNError("zstd compression did not fit its bound") }
                }
                written = outBuffer.pos
            }
        }
        guard written < raw.count else { return nil }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses exactly one zstd frame of `rawLength` bytes, with a content checksum, and unshuffles it.
    ///
    /// The frame's header is checked before anything is allocated, so a damaged or hostile frame cannot make
    /// the reader allocate or write more than the table says.
    public static func decompress(_ stored: UnsafeRawBufferPointer, elementSize: Int, rawLength: Int) throws -> [UInt8] {
        var frame = ZSTD_frameHeader()
        let headerStatus = ZSTD_getFrameHeader(&frame, stored.baseAddress, stored.count)
        guard headerStatus == 0, frame.frameType == ZSTD_frame else {
            throw GNNError("compressed data is not a valid zstd frame")
        }
        guard frame.frameContentSize == UInt64(rawLength) else {
            throw GNNError(frame.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN
                           ? "compressed data does not declare its size"
                           : "compressed data declares \(frame.frameContentSize) bytes but the table says \(rawLength)")
        }
        guard frame.checksumFlag != 0 else { throw GNNError("compressed data has no content checksum") }
        guard ZSTD_findFrameCompressedSize(stored.baseAddress, stored.count) == stored.count else {
            throw GNNError("compressed data is not exactly one zstd frame")
        }
        // The frame and its unshuffled copy: a frame may declare gigabytes in a few hundred bytes.
        try MemoryBudget.check(UInt64(rawLength) * 2, for: "decompressing this tensor's declared \(rawLength) bytes")
        guard let context = ZSTD_createDCtx() else { throw GNNError("zstd could not allocate a decompression context") }
        defer { ZSTD_freeDCtx(context) }
        var shuffled = [UInt8](repeating: 0, count: rawLength)
        let produced = shuffled.withUnsafeMutableBytes {
            ZSTD_decompressDCtx(context, $0.baseAddress, rawLength, stored.baseAddress, stored.count)
        }
        if ZSTD_isError(produced) != 0 {
            throw GNNError("compressed data is damaged: zstd says \(String(cString: ZSTD_getErrorName(produced)))")
        }
        guard produced == rawLength else {
            throw GNNError("compressed data decompresses to \(produced) bytes, expected \(rawLength)")
        }
        return [UInt8](unsafeUninitializedCapacity: rawLength) { out, count in
            shuffled.withUnsafeBytes { unshuffle($0, elementSize: elementSize, into: UnsafeMutableRawBufferPointer(out)) }
            count = rawLength
        }
    }
}
