// zlib, for gzip'd IDX files.
#ifndef FOVEA_CZLIB_SHIM_H
#define FOVEA_CZLIB_SHIM_H
#include <zlib.h>
#endif
