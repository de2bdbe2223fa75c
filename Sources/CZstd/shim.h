// zstd's one-shot and advanced (parameterised) API; the "static" part gives frame-header inspection
// (ZSTD_getFrameHeader), which Debian's shared libzstd exports.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
