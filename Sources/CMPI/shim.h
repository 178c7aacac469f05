// Open MPI's C interface (Debian: libopenmpi-dev, found with pkg-config ompi-c). Open MPI's handles (MPI_COMM_WORLD,
// MPI_FLOAT, MPI_SUM, ...) are macros over the addresses of global objects, which Swift cannot import: the functions
// below give them to Swift.
#ifndef FOVEA_CMPI_SHIM_H
#define FOVEA_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm fovea_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype fovea_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype fovea_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype fovea_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op fovea_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op fovea_mpi_max(void) { return MPI_MAX; }
static inline MPI_Request fovea_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *fovea_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline void *fovea_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int fovea_mpi_success(void) { return MPI_SUCCESS; }
static inline int fovea_mpi_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }
static inline int fovea_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
