/* The *at calls that are path calls (native: the real file system is the
 * simulated one) except when they act on their dirfd itself: an empty path
 * with AT_EMPTY_PATH, or a NULL path for utimensat/futimesat. On an emulated
 * fd the native descriptor is a placeholder (/dev/null), so those forms go to
 * the simulator (src/syscall/at-family.ts). A relative path under an emulated
 * dirfd stays native: the placeholder is no directory, so the kernel answers
 * ENOTDIR, as Linux does for a socket, pipe or eventfd. */
#include <fcntl.h>

#include "shim.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* As fd_emulated in shim.c. */
static inline int fd_is_emulated(long fd) {
  if (fd < 0) return 0;
  if (fd >= UMBRA_FD_BITMAP_FDS) return 1;
  return (shim_proc->emulated_fds[fd >> 3] >> (fd & 7)) & 1;
}

/* Whether call nr acts on its (emulated) dirfd itself and must go to the simulator. */
int shim_at_on_emulated_fd(long nr, const long a[6]) {
  long fd = a[0], path = a[1], flags;
  switch (nr) {
  case SYS_utimensat: /* (dirfd, path, times, flags): a NULL path means the fd itself */
    if (path == 0) return fd_is_emulated(fd);
    flags = a[3];
    break;
  case SYS_futimesat: /* (dirfd, path, times) */ return path == 0 && fd_is_emulated(fd);
  case SYS_fchownat:          /* (dirfd, path, uid, gid, flags) */
  case SYS_linkat:            /* (olddirfd, oldpath, newdirfd, newpath, flags) */
  case SYS_name_to_handle_at: /* (dirfd, path, handle, mount_id, flags) */
  case UMBRA_NR_FILE_GETATTR: /* (dirfd, path, attr, size, at_flags) */
  case UMBRA_NR_FILE_SETATTR: flags = a[4]; break;
  case SYS_faccessat2: /* (dirfd, path, mode, flags) */
  case UMBRA_NR_FCHMODAT2: flags = a[3]; break;
  case UMBRA_NR_SETXATTRAT: /* (dirfd, path, at_flags, ...) */
  case UMBRA_NR_GETXATTRAT:
  case UMBRA_NR_LISTXATTRAT:
  case UMBRA_NR_REMOVEXATTRAT: flags = a[2]; break;
  default: return 0;
  }
  /* The path is not read here (a bad pointer must give EFAULT, not a fault in the shim): the
   * simulator reads it, and lets a non-empty one run natively. */
  return (flags & AT_EMPTY_PATH) && fd_is_emulated(fd);
}
