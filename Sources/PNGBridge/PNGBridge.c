#include "PNGBridge.h"
#include <png.h>
int tessera_png_bridge_version(void) { return (int)png_access_version_number(); }
