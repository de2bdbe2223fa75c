// Open MPI's C API (Debian's libopenmpi-dev, pkg-config ompi-c), for running predict over shards.
// Open MPI spells its handles as macros over addresses of globals, which Swift does not import: the
// functions below return the ones gnn-serve uses.
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Op cmpi_op_min(void) { return MPI_MIN; }
static inline MPI_Info cmpi_info_null(void) { return MPI_INFO_NULL; }
static inline void *cmpi_bottom(void) { return MPI_BOTTOM; }
static inline int *cmpi_unweighted(void) { return MPI_UNWEIGHTED; }
