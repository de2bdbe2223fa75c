// Software prefetch, which Swift does not expose (the compiler's __builtin_prefetch; no library). Its one
// caller is GNNKernels' CacheLines, which the gathers use to ask for source rows ahead of reading them.
static inline void gnn_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
// ... and rows that will be read and written back.
static inline void gnn_prefetch_write(const void *address) { __builtin_prefetch(address, 1, 3); }
