// libpng, for decoding PNG files through its simplified API (png_image_*), which reports errors without longjmp.
#ifndef FOVEA_CPNG_SHIM_H
#define FOVEA_CPNG_SHIM_H
#include <png.h>
#endif
