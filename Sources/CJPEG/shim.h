// libjpeg-turbo's TurboJPEG API, for decoding JPEG files; it reports errors through return values, without longjmp.
#ifndef FOVEA_CJPEG_SHIM_H
#define FOVEA_CJPEG_SHIM_H
#include <turbojpeg.h>
#endif
