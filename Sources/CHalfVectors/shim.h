// bfloat16 and float16 <-> float32, eight values at a time, with clang's portable vector extensions (AVX2:
// vpmovzxwd and vpslld, F16C: vcvtph2ps and vcvtps2ph; NEON: ushll, fcvtl and fcvtn). Swift's generic SIMD
// conversions (init(truncatingIfNeeded:), SIMD8<Float>(SIMD8<Float16>)) compile to an out-of-line call per
// use, which cost the 16-bit gathers more than the bytes they save. Swift imports gnn_float8 as
// SIMD8<Float>; no library.
typedef unsigned short gnn_ushort8 __attribute__((ext_vector_type(8)));
typedef unsigned int gnn_uint8 __attribute__((ext_vector_type(8)));
typedef _Float16 gnn_half8 __attribute__((ext_vector_type(8)));
typedef float gnn_float8 __attribute__((ext_vector_type(8)));

// Eight bfloat16 values at `source` (any alignment) as float32: each is the upper half of its float.
static inline gnn_float8 gnn_bf16_widen8(const void *source) {
    gnn_ushort8 stored;
    __builtin_memcpy(&stored, source, sizeof stored);
    gnn_uint8 bits = __builtin_convertvector(stored, gnn_uint8) << 16;
    gnn_float8 value;
    __builtin_memcpy(&value, &bits, sizeof value);
    return value;
}

// Stores eight float32 values at `target` (any alignment) as bfloat16, rounded to nearest, ties to even
// (add 0x7FFF plus the lowest kept bit, truncate); a NaN keeps its upper half with the quiet bit set.
static inline void gnn_bf16_narrow8(gnn_float8 value, void *target) {
    gnn_uint8 bits;
    __builtin_memcpy(&bits, &value, sizeof bits);
    gnn_uint8 rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    gnn_uint8 nan = (gnn_uint8)(value != value);
    rounded = (rounded & ~nan) | (((bits >> 16) | 0x40u) & nan);
    gnn_ushort8 stored = __builtin_convertvector(rounded, gnn_ushort8);
    __builtin_memcpy(target, &stored, sizeof stored);
}

// Eight IEEE binary16 values at `source` (any alignment) as float32 (exact).
static inline gnn_float8 gnn_f16_widen8(const void *source) {
    gnn_half8 stored;
    __builtin_memcpy(&stored, source, sizeof stored);
    return __builtin_convertvector(stored, gnn_float8);
}

// Stores eight float32 values at `target` (any alignment) as binary16, rounded to nearest, ties to even.
static inline void gnn_f16_narrow8(gnn_float8 value, void *target) {
    gnn_half8 stored = __builtin_convertvector(value, gnn_half8);
    __builtin_memcpy(target, &stored, sizeof stored);
}
