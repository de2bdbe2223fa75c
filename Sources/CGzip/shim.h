// zlib's gzip file reader (gzopen/gzread), used for OGB's .csv.gz files.
#include <zlib.h>
