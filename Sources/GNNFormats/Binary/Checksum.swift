import CXXHash

/// The section and tensor checksum of both file formats: XXH3-64 with seed 0 (xxHash ≥ 0.8).
///
/// The corresponding C functions are `XXH3_64bits` and its streaming form `XXH3_64bits_update`.
public struct Checksum: ~Copyable {
    private let state: OpaquePointer

    public init() {
        state = XXH3_createState()
        XXH3_64bits_reset(state)
    }

    deinit { XXH3_freeState(state) }

    /// Feeds more bytes into the running hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        XXH3_64bits_update(state, base, bytes.count)
    }

    /// The hash of all bytes fed so far.
    public var value: UInt64 { XXH3_64bits_digest(state) }

    /// The hash of `bytes` in one call.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        XXH3_64bits(bytes.baseAddress, bytes.count)
    }

    /// The hash of `bytes` in one call.
    public static func of(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { of($0) }
    }
}
