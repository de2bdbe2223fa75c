// zlib: the gzip file reader (gzopen/gzgets) for OGB's .csv.gz files, and crc32_z for .npz members.
#include <zlib.h>
