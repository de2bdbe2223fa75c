// Software prefetch, which Swift does not expose: the cache-blocked aggregations ask for the next rows'
// first source row while they add the current one (the compiler's __builtin_prefetch; no library).
static inline void gnn_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
// ... and the output rows they will read and write back.
static inline void gnn_prefetch_write(const void *address) { __builtin_prefetch(address, 1, 3); }
