// xxHash's XXH3 64-bit hash, one-shot and streaming.
#include <xxhash.h>
