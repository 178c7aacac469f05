// OpenCL 1.2 and CLBlast's C API, exposed to Swift.
#ifndef FOVEA_COPENCL_SHIM_H
#define FOVEA_COPENCL_SHIM_H
#define CL_TARGET_OPENCL_VERSION 120
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#include <clblast_c.h>
#endif
