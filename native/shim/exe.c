/* What /proc/self/exe reads as in a static program started by umbra's loader
 * (native/loader/): the kernel's link names the loader, the program expects
 * its own file (Go's os.Executable, tools that re-exec themselves). In a
 * dynamic program shim_exe_path stays NULL and nothing here runs. */
#include <errno.h>
#include <fcntl.h>

#include "shim.h"

const char *shim_exe_path;

/* "/proc/self/exe" or "/proc/thread-self/exe". (A program knows only its
 * virtual pid, so /proc/<pid>/exe is left to the native call, as for dynamic
 * programs.) */
int shim_names_own_exe(const char *p) {
  return shim_streq(p, "/proc/self/exe") || shim_streq(p, "/proc/thread-self/exe");
}

int shim_exe_readlink(long nr, const long a[6], long *ret) {
  const char *path = (const char *)(nr == SYS_readlink ? a[0] : a[1]);
  char *buf = (char *)(nr == SYS_readlink ? a[1] : a[2]);
  long size = nr == SYS_readlink ? a[2] : a[3];
  /* The path may be read only once the kernel could read it (a bad pointer is EFAULT, never a
   * fault in the shim): the native call first, then again by the caller for any other path. */
  if (!path || size <= 0) return 0;
  long r = umbra_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (r == -EFAULT) {
    *ret = r;
    return 1;
  }
  if ((nr == SYS_readlinkat && path[0] != '/') || !shim_names_own_exe(path)) return 0;
  long n = (long)shim_strlen(shim_exe_path);
  if (n > size) n = size;
  for (long i = 0; i < n; i++) buf[i] = shim_exe_path[i]; /* readlink does not terminate it */
  *ret = n;
  return 1;
}
