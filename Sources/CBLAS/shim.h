// OpenBLAS' CBLAS interface (Debian: libopenblas-dev).
#ifndef FOVEA_CBLAS_SHIM_H
#define FOVEA_CBLAS_SHIM_H
#include <cblas.h>
#endif
