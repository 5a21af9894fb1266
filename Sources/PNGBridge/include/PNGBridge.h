#ifndef TESSERA_PNG_BRIDGE_H
#define TESSERA_PNG_BRIDGE_H
// Placeholder: the libpng bridge (every setjmp lives in this C target).
int tessera_png_bridge_version(void);
#endif
