// METIS 5 graph partitioning (Debian's libmetis-dev: 32-bit idx_t and real_t), used to order nodes at pack time.
#include <metis.h>
