/* Declarations shared by the loader's own files (the shim's are in shim/shim.h). */
#ifndef UMBRA_LOADER_H
#define UMBRA_LOADER_H

#include <stdint.h>

/* libc.c: where getauxval() looks (the loader's own auxiliary vector). */
void loader_set_auxv(const uint64_t *auxv);

#endif
