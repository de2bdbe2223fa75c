// zstd's one-shot and advanced (parameterised) compression API.
#include <zstd.h>
