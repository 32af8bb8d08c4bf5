/* The few libc functions the shim's sources call, for the loader, which has no
 * libc: it runs inside a static program whose own libc (or Go runtime) owns
 * %fs and its thread-local data. None of these enter the kernel. */
#include <stddef.h>
#include <stdint.h>

#include "loader.h"

char **environ;

/* use_preload_libc has nothing to interpose in a static program: its calls all trap. */
void shim_libc_init(int enabled) {
  (void)enabled;
}

static const uint64_t *auxv;

void loader_set_auxv(const uint64_t *v) {
  auxv = v;
}

unsigned long getauxval(unsigned long type) {
  for (const uint64_t *a = auxv; a && a[0] != 0; a += 2)
    if (a[0] == type) return a[1];
  return 0;
}

char *getenv(const char *name) {
  size_t n = 0;
  while (name[n]) n++;
  for (char **e = environ; e && *e; e++) {
    size_t i = 0;
    while (i < n && (*e)[i] == name[i]) i++;
    if (i == n && (*e)[n] == '=') return *e + n + 1;
  }
  return NULL;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* The interposed libc clock functions of time.c set errno; in the loader
 * nothing links against them, so this is never called at run time. */
int *__errno_location(void) {
  static int unused_errno;
  return &unused_errno;
}

/* The compiler may turn struct copies and zeroing into these calls. String
 * instructions keep it from turning the bodies back into calls to themselves. */
void *memcpy(void *dst, const void *src, size_t n) {
  void *d = dst;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n)
    return memcpy(dst, src, n);
  unsigned char *d = (unsigned char *)dst + n - 1;
  const unsigned char *s = (const unsigned char *)src + n - 1;
  __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  void *d = dst;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}
