/* libumbra_shim.so: attaches a managed process to the simulation. The
 * constructor maps the shared region, attaches the first thread's channel and
 * installs the seccomp filter; then every syscall lands in shim_syscall(),
 * which answers it locally, runs it natively, or forwards it to the simulator. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include "shim.h"

uint8_t *shim_shm;
umbra_header *shim_header;
umbra_header shim_config;
umbra_host shim_host_config;
umbra_host *shim_host;
umbra_process *shim_proc;

/* What the shim substitutes for /etc/hosts, copied from UMBRA_HOSTS_FILE at
 * start-up into the shim's private memory: the shared region, which every
 * managed process can write, must not be able to redirect name resolution.
 * Fork children inherit it; an exec gets it again from the simulator. */
static char hosts_file_path[1024];
/* The simulated /etc/gai.conf (IPv4 preferred, see README "IPv6"): "gai.conf" beside the hosts
 * file. */
static char gai_conf_path[1024 + 8];

/* The header names the shim's signals by number; they must be the ones it installs. */
_Static_assert(UMBRA_SIG_TRAP == SIGSYS && UMBRA_SIG_TSC == SIGSEGV, "shim signals");
_Static_assert(UMBRA_SIG_PREEMPT == SIGVTALRM && UMBRA_SIG_BUS == SIGBUS, "shim signals");
_Static_assert(UMBRA_SIG_ILL == SIGILL && UMBRA_SIG_FPE == SIGFPE, "shim signals");

umbra_channel *shim_channel_at(long slot) {
  /* Slots come from the environment and the simulator: a bad one would scribble elsewhere. */
  if (slot < 0 || slot >= UMBRA_MAX_THREADS) shim_die("umbra shim: bad channel slot");
  return (umbra_channel *)(shim_shm + UMBRA_OFF_CHANNELS + (uint64_t)slot * sizeof(umbra_channel));
}

/* ---- small helpers (no libc calls that enter the kernel) ---------------- */

size_t shim_strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int shim_streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

void shim_log(const char *msg) {
  RAW3(SYS_write, 2, msg, shim_strlen(msg));
}

void shim_log_u64(uint64_t v) {
  char buf[21];
  char *p = buf + sizeof buf;
  *--p = 0;
  do *--p = (char)('0' + v % 10);
  while (v /= 10);
  shim_log(p);
}

void shim_exit(int status) {
  RAW1(SYS_exit_group, status);
  __builtin_unreachable();
}

void shim_die(const char *msg) {
  shim_log(msg);
  shim_log("\n");
  shim_exit(127);
}

/* ---- routing ------------------------------------------------------------ */

enum route {
  R_SIM = 0, /* the simulator decides */
  R_NATIVE,  /* always safe to run natively: no simulated object involved */
  R_FD0,     /* native unless arg 0 is an emulated fd */
  R_FD01,    /* native unless arg 0 or arg 1 is an emulated fd */
  R_PATH0,   /* open family, path in arg 0 */
  R_PATH1,   /* open family, path in arg 1 */
  R_LOCAL,   /* time, answered from shared memory */
  R_STATAT,  /* native unless it is fstat of an emulated fd (AT_EMPTY_PATH) */
  R_FCNTL, /* as R_FD0, but lock commands always go to the simulator (it waits in simulated time) */
  R_RANDOM, /* getrandom: the host's seeded stream, advanced in the shim (random.c) */
  R_AT,     /* *at path call: native unless it acts on an emulated dirfd itself (at.c) */
};

#define NR_MAX 512
static const uint8_t routes[NR_MAX] = {
    [SYS_read] = R_FD0,
    [SYS_write] = R_FD0,
    [SYS_pread64] = R_FD0,
    [SYS_pwrite64] = R_FD0,
    [SYS_readv] = R_FD0,
    [SYS_writev] = R_FD0,
    [SYS_preadv] = R_FD0,
    [SYS_pwritev] = R_FD0,
    [SYS_preadv2] = R_FD0,
    [SYS_pwritev2] = R_FD0,
    [SYS_close] = R_FD0,
    [SYS_fstat] = R_FD0,
    [SYS_lseek] = R_FD0,
    [SYS_ioctl] = R_FD0,
    [SYS_fcntl] = R_FCNTL,
    [SYS_fsync] = R_FD0,
    [SYS_fdatasync] = R_FD0,
    [SYS_ftruncate] = R_FD0,
    [SYS_getdents64] = R_FD0,
    [SYS_getdents] = R_FD0,
    [SYS_fchmod] = R_FD0,
    [SYS_fchown] = R_FD0,
    [SYS_fstatfs] = R_FD0,
    [SYS_flock] = R_SIM, /* a blocking flock waits in simulated time, not natively */
    [SYS_fadvise64] = R_FD0,
    [SYS_fallocate] = R_FD0,
    [SYS_dup] = R_FD0,
    [SYS_fchdir] = R_FD0,
    [SYS_fgetxattr] = R_FD0,
    [SYS_fsetxattr] = R_FD0,
    [SYS_flistxattr] = R_FD0,
    [SYS_fremovexattr] = R_FD0,
    [SYS_readahead] = R_FD0,
    [SYS_sync_file_range] = R_FD0,
    [SYS_syncfs] = R_FD0,
    [SYS_dup2] = R_FD01,
    [SYS_dup3] = R_FD01,
    [SYS_sendfile] = R_FD01,
    [SYS_open] = R_PATH0,
    [SYS_creat] = R_PATH0,
    [SYS_openat] = R_PATH1,
    [SYS_clock_gettime] = R_LOCAL,
    [SYS_gettimeofday] = R_LOCAL,
    [SYS_time] = R_LOCAL,
    [SYS_clock_getres] = R_LOCAL,
    [SYS_getrandom] = R_RANDOM,
    /* Audit of R_NATIVE (each group says why the real kernel's answer is the
     * simulated one). Nothing here names a process: calls taking a pid
     * (prlimit64, getpriority, capget, sched_*, ioprio_*, kcmp, pidfd_*,
     * process_vm_*...) reach the simulator, which translates virtual pids
     * (src/syscall/pid-args.ts, pidfd.ts, sched.ts); calls that reach outside
     * the simulation (mount, reboot, ptrace, setns, bpf...) are refused there
     * (src/syscall/passthrough.ts). Summary: docs/architecture.md, "What runs
     * natively, and why". */
    /* paths: the real file system is the simulated one (hosts share it, as in
     * Shadow); only the special paths of route_path are the simulator's */
    [SYS_stat] = R_NATIVE,
    [SYS_lstat] = R_NATIVE,
    [SYS_newfstatat] = R_STATAT,
    [SYS_statx] = R_STATAT,
    [SYS_access] = R_NATIVE,
    [SYS_faccessat] = R_NATIVE,
    [SYS_faccessat2] = R_AT,
    [SYS_readlink] = R_NATIVE,
    [SYS_readlinkat] = R_NATIVE,
    [SYS_mkdir] = R_NATIVE,
    [SYS_mkdirat] = R_NATIVE,
    [SYS_rmdir] = R_NATIVE,
    [SYS_unlink] = R_NATIVE,
    [SYS_unlinkat] = R_NATIVE,
    [SYS_rename] = R_NATIVE,
    [SYS_renameat] = R_NATIVE,
    [SYS_renameat2] = R_NATIVE,
    [SYS_link] = R_NATIVE,
    [SYS_linkat] = R_AT,
    [SYS_symlink] = R_NATIVE,
    [SYS_symlinkat] = R_NATIVE,
    [SYS_chmod] = R_NATIVE,
    [SYS_fchmodat] = R_NATIVE,
    [SYS_chown] = R_NATIVE,
    [SYS_fchownat] = R_AT,
    [SYS_lchown] = R_NATIVE,
    [SYS_truncate] = R_NATIVE,
    [SYS_utimensat] = R_AT,
    [SYS_utimes] = R_NATIVE,
    [SYS_futimesat] = R_AT,
    [SYS_mknodat] = R_NATIVE,
    [SYS_name_to_handle_at] = R_AT,
    [UMBRA_NR_FCHMODAT2] = R_AT,
    [UMBRA_NR_SETXATTRAT] = R_AT,
    [UMBRA_NR_GETXATTRAT] = R_AT,
    [UMBRA_NR_LISTXATTRAT] = R_AT,
    [UMBRA_NR_REMOVEXATTRAT] = R_AT,
    [UMBRA_NR_FILE_GETATTR] = R_AT,
    [UMBRA_NR_FILE_SETATTR] = R_AT,
    [SYS_utime] = R_NATIVE,
    [SYS_statfs] = R_NATIVE,
    [SYS_getxattr] = R_NATIVE,
    [SYS_lgetxattr] = R_NATIVE,
    [SYS_listxattr] = R_NATIVE,
    [SYS_llistxattr] = R_NATIVE,
    [SYS_setxattr] = R_NATIVE,
    [SYS_lsetxattr] = R_NATIVE,
    [SYS_removexattr] = R_NATIVE,
    [SYS_lremovexattr] = R_NATIVE,
    /* writes back real files: the file system is real */
    [SYS_sync] = R_NATIVE,
    /* cwd and umask: per native process, inherited by fork and exec natively */
    [SYS_getcwd] = R_NATIVE,
    [SYS_chdir] = R_NATIVE,
    [SYS_umask] = R_NATIVE,
    /* credentials: per native process; the simulation has no users of its own,
     * so the real ones match it (setuid as root really changes them, as it would) */
    [SYS_getuid] = R_NATIVE,
    [SYS_geteuid] = R_NATIVE,
    [SYS_getgid] = R_NATIVE,
    [SYS_getegid] = R_NATIVE,
    [SYS_getgroups] = R_NATIVE,
    [SYS_getresuid] = R_NATIVE,
    [SYS_getresgid] = R_NATIVE,
    [SYS_setuid] = R_NATIVE,
    [SYS_setgid] = R_NATIVE,
    [SYS_setreuid] = R_NATIVE,
    [SYS_setregid] = R_NATIVE,
    [SYS_setresuid] = R_NATIVE,
    [SYS_setresgid] = R_NATIVE,
    [SYS_setfsuid] = R_NATIVE,
    [SYS_setfsgid] = R_NATIVE,
    [SYS_setgroups] = R_NATIVE,
    /* resource limits of the caller only (prlimit64, which takes a pid, is the
     * simulator's): the fd limit bounds the native fd space, placeholders included */
    [SYS_getrlimit] = R_NATIVE,
    [SYS_setrlimit] = R_NATIVE,
    /* CPU use of native work: not simulated (RUSAGE_SELF/CHILDREN/THREAD, no pid) */
    [SYS_getrusage] = R_NATIVE,
    /* the native thread's TLS register (%gs, the shim's, is kept from the program in shim_syscall)
     */
    [SYS_arch_prctl] = R_NATIVE,
    /* memory: the caller's own address space is real (no pid argument) */
    [SYS_mincore] = R_NATIVE,
    [SYS_msync] = R_NATIVE,
    [SYS_mlock] = R_NATIVE,
    [SYS_munlock] = R_NATIVE,
    [SYS_mlockall] = R_NATIVE,
    [SYS_munlockall] = R_NATIVE,
    [SYS_mlock2] = R_NATIVE,
    [SYS_pkey_mprotect] = R_NATIVE,
    [SYS_get_mempolicy] = R_NATIVE,
    [SYS_mbind] = R_NATIVE,
    [SYS_set_mempolicy] = R_NATIVE,
    /* real fds over real things: a memory file; inotify watches on real paths */
    [SYS_memfd_create] = R_NATIVE,
    [SYS_inotify_init1] = R_NATIVE,
    [SYS_inotify_add_watch] = R_FD0,
    [SYS_inotify_rm_watch] = R_FD0,
    /* no fanotify fd can exist (fanotify_init is refused): the kernel answers EBADF or EINVAL,
     * as Linux does for a socket or pipe given as the fanotify fd */
    [SYS_fanotify_mark] = R_NATIVE,
    [SYS_copy_file_range] = R_FD01,
};

/* Path calls the shim runs natively whose path may name a socket file that
 * the host's simulated machine keeps apart from the shared one (a path outside
 * the host's directory, src/net/unix-paths.ts), and which arguments are paths
 * (bit i: argument i). While the host has none, they stay native; otherwise
 * one whose path's last component is in the host's filter goes to the
 * simulator, which may point it at the host's own file. */
#define P0 1
#define P1 2
#define P2 4
#define P3 8
static const uint8_t path_calls[NR_MAX] = {
    [SYS_open] = P0,          [SYS_creat] = P0,          [SYS_openat] = P1,
    [SYS_stat] = P0,          [SYS_lstat] = P0,          [SYS_newfstatat] = P1,
    [SYS_statx] = P1,         [SYS_access] = P0,         [SYS_faccessat] = P1,
    [SYS_faccessat2] = P1,    [SYS_readlink] = P0,       [SYS_readlinkat] = P1,
    [SYS_mkdir] = P0,         [SYS_mkdirat] = P1,        [SYS_rmdir] = P0,
    [SYS_unlink] = P0,        [SYS_unlinkat] = P1,       [SYS_rename] = P0 | P1,
    [SYS_renameat] = P1 | P3, [SYS_renameat2] = P1 | P3, [SYS_link] = P0 | P1,
    [SYS_linkat] = P1 | P3,   [SYS_symlink] = P1,        [SYS_symlinkat] = P2,
    [SYS_chmod] = P0,         [SYS_fchmodat] = P1,       [UMBRA_NR_FCHMODAT2] = P1,
    [SYS_chown] = P0,         [SYS_fchownat] = P1,       [SYS_lchown] = P0,
    [SYS_truncate] = P0,      [SYS_utimensat] = P1,      [SYS_utimes] = P0,
    [SYS_futimesat] = P1,     [SYS_utime] = P0,          [SYS_mknodat] = P1,
};

/* Whether the last component of the path at p (trailing slashes ignored) is in
 * the host's filter. A bad pointer must give the program EFAULT from the
 * native call, not a fault in the shim: the kernel reads the string first
 * (access, which has no effect), and only one it could read is read here. */
static int path_in_filter(const char *p, uint64_t lo, uint64_t hi) {
  if (RAW2(SYS_access, p, F_OK) == -EFAULT) return 0;
  uint32_t cur = 2166136261u, last = 0;
  int in_name = 0, have_last = 0;
  for (int i = 0; i < 4096; i++) {
    uint8_t ch = (uint8_t)p[i];
    if (ch == 0 || ch == '/') {
      if (in_name) last = cur, have_last = 1;
      cur = 2166136261u;
      in_name = 0;
      if (ch == 0) break;
    } else {
      cur = (cur ^ ch) * 16777619u;
      in_name = 1;
    }
  }
  if (!have_last) return 0;
  uint32_t b0 = UMBRA_NS_NAME_BIT0(last), b1 = UMBRA_NS_NAME_BIT1(last);
  uint64_t w0 = b0 < 64 ? lo : hi, w1 = b1 < 64 ? lo : hi;
  return ((w0 >> (b0 & 63)) & 1) && ((w1 >> (b1 & 63)) & 1);
}

/* A path call to run natively: through the simulator when it may name one of the host's socket
 * paths. */
static int path_call_to_sim(long nr, const long a[6]) {
  uint8_t which = path_calls[nr];
  if (!which || __atomic_load_n(&shim_host->unix_ns_paths, __ATOMIC_RELAXED) == 0) return 0;
  uint64_t lo = __atomic_load_n(&shim_host->unix_ns_names[0], __ATOMIC_RELAXED);
  uint64_t hi = __atomic_load_n(&shim_host->unix_ns_names[1], __ATOMIC_RELAXED);
  for (int i = 0; i < 4; i++)
    if ((which >> i & 1) && a[i] && path_in_filter((const char *)a[i], lo, hi)) return 1;
  return 0;
}

static inline int fd_emulated(long fd) {
  if (fd < 0) return 0;
  if (fd >= UMBRA_FD_BITMAP_FDS) return 1;
  return (shim_proc->emulated_fds[fd >> 3] >> (fd & 7)) & 1;
}

/* fcntl commands that take or test advisory locks (src/syscall/locks.ts). */
static inline int fcntl_is_lock(long cmd) {
  return cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_GETLK ||
         cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
}

static int path_is(const char *p, const char *want) {
  return p && shim_streq(p, want);
}

/* /proc files that carry the host's clock (uptime, boot time, process start
 * times) or native pids: /proc/uptime, /proc/stat, /proc/loadavg,
 * /proc/self/stat and /proc/<pid>/stat, whose pid is a virtual one. */
static int proc_clock_path(const char *p) {
  const char *prefix = "/proc/";
  for (; *prefix; prefix++, p++)
    if (*p != *prefix) return 0;
  if (shim_streq(p, "uptime") || shim_streq(p, "stat") || shim_streq(p, "loadavg")) return 1;
  if (p[0] == 's' && p[1] == 'e' && p[2] == 'l' && p[3] == 'f' && p[4] == '/') {
    p += 5;
  } else {
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    if (*p++ != '/') return 0;
  }
  return shim_streq(p, "stat");
}

/* An open that would reach a FIFO: the simulator emulates FIFOs (src/files/fifo.ts),
 * so that opening one and waiting on it happen in simulated time, never natively.
 * The price is one native newfstatat per open of a path, cheaper than a round
 * trip to the simulator for every open. */
static int opens_fifo(long nr, const long a[6], int *bad_pointer) {
  long dirfd = AT_FDCWD, flags = O_WRONLY;
  const char *p = (const char *)a[0];
  if (nr == SYS_openat) {
    dirfd = a[0];
    p = (const char *)a[1];
    flags = a[2];
  } else if (nr == SYS_open) {
    flags = a[1];
  } else if (nr != SYS_creat) {
    return 0;
  }
  if (!p) return 0; /* the native open answers EFAULT */
  /* The kernel reads the path here, so a bad pointer is found without the shim touching it. */
  struct stat st;
  long r = umbra_raw_syscall(SYS_newfstatat, dirfd, (long)p, (long)&st, 0, 0, 0);
  if (r == -EFAULT) *bad_pointer = 1;
  if (r != 0 || (flags & O_PATH)) return 0;
  return S_ISFIFO(st.st_mode);
}

/* /proc/<digit>...: a pid the program knows is a virtual one (src/files/proc-pids.ts). */
static int proc_pid_path(const char *p) {
  const char *prefix = "/proc/";
  for (; *prefix; prefix++, p++)
    if (*p != *prefix) return 0;
  return *p >= '0' && *p <= '9';
}

/* Whether a stat, access or readlink call that ran natively (result r) named /proc/<digit>...:
 * the simulator runs it again on the native pid's path. Running it first costs other paths
 * nothing, and its result says whether the kernel could read the path, which the shim may
 * read only then (a bad pointer gives EFAULT; EINVAL comes before the path is read, except
 * readlink's of a file that is no link). */
static int names_proc_pid(long nr, const long a[6], long r) {
  int arg;
  switch (nr) {
  case SYS_stat:
  case SYS_lstat:
  case SYS_access:
  case SYS_readlink: arg = 0; break;
  case SYS_newfstatat:
  case SYS_statx:
  case SYS_faccessat:
  case SYS_faccessat2:
  case SYS_readlinkat: arg = 1; break;
  default: return 0;
  }
  if (r == -EFAULT) return 0;
  if (r == -EINVAL) {
    if (nr == SYS_readlink && a[2] > 0) return proc_pid_path((const char *)a[0]);
    if (nr == SYS_readlinkat && a[3] > 0) return proc_pid_path((const char *)a[1]);
    return 0;
  }
  return a[arg] && proc_pid_path((const char *)a[arg]);
}

/* Paths whose contents the simulation owns, and FIFOs. */
static long route_path(long nr, const long a[6], int arg) {
  const char *p = (const char *)a[arg];
  int bad_pointer = 0;
  if (opens_fifo(nr, a, &bad_pointer)) return shim_forward(nr, a);
  if (bad_pointer) return -EFAULT;
  if (p && p[0] == '/') {
    if (path_is(p, "/dev/urandom") || path_is(p, "/dev/random") || path_is(p, "/dev/srandom") ||
        path_is(p, "/proc/sys/kernel/random/uuid") || proc_clock_path(p) ||
        path_is(p, "/sys/devices/system/cpu/online") ||
        path_is(p, "/sys/devices/system/cpu/possible") || proc_pid_path(p) ||
        path_is(p, "/proc/self/status")) {
      return shim_forward(nr, a);
    }
    long b[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    const char *data_file = path_is(p, "/etc/hosts")      ? hosts_file_path
                            : path_is(p, "/etc/gai.conf") ? gai_conf_path
                                                          : NULL;
    if (data_file && data_file[0]) {
      b[arg] = (long)data_file;
      long r = umbra_raw_syscall(nr, b[0], b[1], b[2], b[3], b[4], b[5]);
      /* A process that dropped its privileges may not reach the data directory (under a
       * private one): the simulator serves the same file, readable by all as /etc's is. */
      return r == -EACCES ? shim_forward(nr, a) : r;
    } else if (path_is(p, "/etc/localtime")) {
      b[arg] = (long)"/usr/share/zoneinfo/Etc/UTC";
    } else if (shim_exe_path && shim_names_own_exe(p)) {
      b[arg] = (long)shim_exe_path;
    }
    if (b[arg] != a[arg]) return umbra_raw_syscall(nr, b[0], b[1], b[2], b[3], b[4], b[5]);
  }
  if (path_call_to_sim(nr, a)) return shim_forward_kind(UMBRA_MSG_PATH, nr, a);
  return umbra_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static long native_and_charge(long nr, const long a[6]) {
  if (path_call_to_sim(nr, a)) return shim_forward_kind(UMBRA_MSG_PATH, nr, a);
  long r = umbra_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (names_proc_pid(nr, a, r)) return shim_forward_kind(UMBRA_MSG_PATH, nr, a);
  shim_charge_latency(shim_host_config.unblocked_syscall_latency_ns);
  return r;
}

/* Every syscall of managed code arrives here. */
long shim_syscall(long nr, const long a[6]) {
  if (!shim_channel) return umbra_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  int route = (nr >= 0 && nr < NR_MAX) ? routes[nr] : R_SIM;
  long r;
  if (nr == SYS_sigaltstack) return shim_sigaltstack((const void *)a[0], (void *)a[1]);
  if (nr == SYS_arch_prctl && (a[0] == ARCH_SET_GS || a[0] == ARCH_GET_GS)) {
    /* %gs finds the shim's per-thread state: the program sees it unset and cannot move it. */
    if (a[0] == ARCH_SET_GS) return -EPERM;
    *(unsigned long *)a[1] = 0;
    return 0;
  }
  if (shim_exe_path && (nr == SYS_readlink || nr == SYS_readlinkat) && shim_exe_readlink(nr, a, &r))
    return r;
  switch (route) {
  case R_LOCAL: shim_handle_time_syscall(nr, a, &r); return r;
  case R_NATIVE: return native_and_charge(nr, a);
  case R_FD0:
    if (fd_emulated(a[0])) return shim_forward(nr, a);
    return native_and_charge(nr, a);
  case R_FCNTL:
    if (fd_emulated(a[0]) || fcntl_is_lock(a[1])) return shim_forward(nr, a);
    return native_and_charge(nr, a);
  case R_FD01:
    if (fd_emulated(a[0]) || fd_emulated(a[1])) return shim_forward(nr, a);
    return native_and_charge(nr, a);
  case R_RANDOM: return shim_getrandom(a);
  case R_AT:
    if (shim_at_on_emulated_fd(nr, a)) return shim_forward(nr, a);
    return native_and_charge(nr, a);
  case R_PATH0: return route_path(nr, a, 0);
  case R_PATH1: return route_path(nr, a, 1);
  case R_STATAT: {
    /* newfstatat(fd, "", buf, AT_EMPTY_PATH) and statx(fd, "", AT_EMPTY_PATH, ...) are fstat */
    const char *p = (const char *)a[1];
    long flags = nr == SYS_statx ? a[2] : a[3];
    if ((flags & 0x1000) && (!p || !p[0]) && fd_emulated(a[0])) return shim_forward(nr, a);
    return native_and_charge(nr, a);
  }
  default: return shim_forward(nr, a);
  }
}

/* The few registers a native syscall changes for good besides rax are
 * restored by the kernel from the signal frame when the SIGSYS handler
 * returns. PKRU is one of them (pkey_alloc sets the new key's rights there):
 * the frame gets the value the call left. The others are kept by emulation:
 * the signal mask (the simulator's) and the alternate stack (thread.c). */
static void keep_pkru(ucontext_t *uc) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 4))) return; /* OSPKE */
  __cpuid_count(0xd, 9, eax, ebx, ecx, edx); /* PKRU's size and offset in the XSAVE area */
  uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;
  if (!fp || eax < 4) return;
  /* The frame holds a full XSAVE area only when the legacy area's software bytes say so. */
  const struct _fpx_sw_bytes *sw = (const struct _fpx_sw_bytes *)(fp + 464);
  if (sw->magic1 != FP_XSTATE_MAGIC1 || !(sw->xstate_bv & (1ull << 9)) || ebx + 4 > sw->xstate_size)
    return;
  unsigned pkru, hi;
  __asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(pkru), "=d"(hi) : "c"(0)); /* rdpkru */
  __builtin_memcpy(fp + ebx, &pkru, 4);
  uint64_t xstate_bv;
  __builtin_memcpy(&xstate_bv, fp + 512, 8);
  xstate_bv |= 1ull << 9;
  __builtin_memcpy(fp + 512, &xstate_bv, 8);
}

static void sigsys_handler(int sig, siginfo_t *info, void *vuc) {
  int prev = shim_enter();
  (void)sig;
  (void)info;
  ucontext_t *uc = vuc;
  greg_t *g = uc->uc_mcontext.gregs;
  long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
  long nr = g[REG_RAX];
  if (prev == SHIM_CTX_APP && uc->uc_stack.ss_size == 0) shim_stack_recover(uc);
  void *outer = shim_trap_uc;
  shim_trap_uc = uc;
  /* A trap from shim context (libc called by the shim) must not start a second
   * conversation inside the one in flight: it runs natively. */
  if (prev == SHIM_CTX_SHIM)
    g[REG_RAX] = umbra_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  else
    g[REG_RAX] = shim_syscall(nr, a);
  if (nr == SYS_pkey_alloc && g[REG_RAX] >= 0) keep_pkru(uc);
  shim_trap_uc = outer;
  shim_leave(prev);
}

static void install_handler(int sig, void *fn) {
  struct ksigaction act = {fn, SA_SIGINFO | SA_NODEFER | SA_RESTORER | SA_ONSTACK,
                           (void *)umbra_restore_rt, 0};
  if (RAW4(SYS_rt_sigaction, sig, &act, 0, 8) != 0) shim_die("umbra shim: sigaction failed");
}

/* Drop our private variables from the environment the program sees. The
 * array is compacted in place, so its old tail stays on the stack between the
 * new end and the auxiliary vector, which Go's runtime finds by walking past
 * the environment's end: with an even number removed (two: UMBRA_CHANNEL and
 * UMBRA_HOSTS_FILE) its pairs still line up. Add no third variable. */
static void scrub_environment(void) {
  extern char **environ;
  char **w = environ;
  for (char **r = environ; *r; r++) {
    const char *e = *r;
    if (e[0] == 'U' && e[1] == 'M' && e[2] == 'B' && e[3] == 'R' && e[4] == 'A' && e[5] == '_')
      continue;
    *w++ = *r;
  }
  *w = NULL;
}

long shim_channel_slot(const char *channel) {
  long v = 0;
  while (*channel >= '0' && *channel <= '9') v = v * 10 + (*channel++ - '0');
  return v;
}

/* A shim and a simulator built from different umbra_ipc.h would misread
 * every field: refuse to run rather than corrupt the simulation. */
static void check_protocol(const umbra_header *h) {
  if (h->magic == UMBRA_MAGIC && h->version == UMBRA_VERSION && h->total_size == UMBRA_SHM_SIZE)
    return;
  if (h->magic != UMBRA_MAGIC) {
    shim_log("umbra shim: protocol mismatch: the region at the shared-memory fd is not umbra's "
             "(bad magic)\n");
    shim_exit(UMBRA_EXIT_PROTOCOL_MISMATCH);
  }
  shim_log("umbra shim: protocol mismatch: the simulator's shared region is version ");
  shim_log_u64(h->version);
  shim_log(" (");
  shim_log_u64(h->total_size);
  shim_log(" bytes), this shim speaks version ");
  shim_log_u64(UMBRA_VERSION);
  shim_log(" (");
  shim_log_u64(UMBRA_SHM_SIZE);
  shim_log(" bytes); the shim or the addon is stale: run 'npm install' to rebuild both\n");
  shim_exit(UMBRA_EXIT_PROTOCOL_MISMATCH);
}

static void copy_hosts_file_path(const char *s) {
  size_t n = s ? shim_strlen(s) : 0;
  if (n >= sizeof hosts_file_path) shim_die("umbra shim: UMBRA_HOSTS_FILE is too long");
  for (size_t i = 0; i < n; i++) hosts_file_path[i] = s[i];
  hosts_file_path[n] = 0;
  /* The same directory, file name gai.conf. */
  size_t dir = n;
  while (dir > 0 && hosts_file_path[dir - 1] != '/') dir--;
  gai_conf_path[0] = 0;
  if (dir == 0) return;
  static const char name[] = "gai.conf";
  for (size_t i = 0; i < dir; i++) gai_conf_path[i] = hosts_file_path[i];
  for (size_t i = 0; i < sizeof name; i++) gai_conf_path[dir + i] = name[i];
}

int shim_channel_flag(const char *channel, char flag) {
  const char *c = channel;
  while (*c >= '0' && *c <= '9') c++;
  for (; c[0] == ',' && c[1] != 0; c += 2)
    if (c[1] == flag) return 1;
  return 0;
}

/* After an in-place execve of a dynamic program the loader left the program's
 * file name on the page after the raw page (native/loader/loader.c). */
static char exe_path_copy[4096];
static void take_exe_path(void) {
  const char *from = (const char *)UMBRA_HANDOFF_PAGE;
  size_t i = 0;
  for (; i < sizeof exe_path_copy - 1 && from[i]; i++) exe_path_copy[i] = from[i];
  exe_path_copy[i] = 0;
  RAW2(SYS_munmap, UMBRA_HANDOFF_PAGE, UMBRA_RAW_PAGE_BYTES);
  if (i > 0) shim_exe_path = exe_path_copy;
}

static void init(const char *slot_s) {
  long slot = shim_channel_slot(slot_s);
  copy_hosts_file_path(getenv("UMBRA_HOSTS_FILE"));
  /* "<slot>[,l][,x]": use_preload_libc; an execve done in place (the filter is
   * already there). Flags in the same variable: the environment scrubbed below
   * must keep its count (see scrub_environment). */
  shim_libc_init(shim_channel_flag(slot_s, 'l'));
  int in_place = shim_channel_flag(slot_s, 'x');
  if (in_place && !shim_exe_path) take_exe_path();
  scrub_environment();
  void *p = (void *)RAW6(SYS_mmap, 0, UMBRA_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                         UMBRA_SHM_FD, 0);
  if ((long)p < 0 && (long)p > -4096) shim_die("umbra shim: cannot map the shared region");
  RAW1(SYS_close, UMBRA_SHM_FD);
  shim_shm = p;
  shim_header = (umbra_header *)p;
  check_protocol(shim_header);
  const uint8_t *from = (const uint8_t *)shim_header;
  uint8_t *to = (uint8_t *)&shim_config;
  for (size_t i = 0; i < sizeof shim_config; i++) to[i] = from[i]; /* no memcpy: libc */
  umbra_channel *ch = shim_channel_at(slot);
  if (ch->host < 0 || ch->host >= UMBRA_MAX_HOSTS || ch->proc < 0 || ch->proc >= UMBRA_MAX_PROCS)
    shim_die("umbra shim: bad host or process slot in the channel");
  shim_host = (umbra_host *)(shim_shm + UMBRA_OFF_HOSTS + (uint64_t)ch->host * sizeof(umbra_host));
  shim_proc =
      (umbra_process *)(shim_shm + UMBRA_OFF_PROCS + (uint64_t)ch->proc * sizeof(umbra_process));
  shim_host_config = *shim_host;
  shim_thread_setup(slot);
  shim_set_context(SHIM_CTX_SHIM); /* this thread's fresh state says application */

  install_handler(SIGSYS, (void *)sigsys_handler);
  install_handler(SIGSEGV, (void *)shim_sigsegv_handler);
  install_handler(SIGBUS, (void *)shim_fault_handler);
  install_handler(SIGILL, (void *)shim_fault_handler);
  install_handler(SIGFPE, (void *)shim_fault_handler);
  if (shim_config.preempt_enabled) install_handler(UMBRA_SIG_PREEMPT, (void *)shim_preempt_handler);
  uint64_t unblock = UMBRA_SHIM_SIGNAL_MASK;
  RAW4(SYS_rt_sigprocmask, SIG_UNBLOCK, &unblock, 0, 8);
  /* The simulator warns once per run when the trap does not work. */
  __atomic_fetch_or(&shim_header->tsc_trap, shim_tsc_self_test(), __ATOMIC_RELAXED);
  shim_patch_vdso();

  /* Attach: the simulator answers when this process's start time comes. */
  shim_attach_thread(ch);
  uint8_t *at_random = (uint8_t *)getauxval(AT_RANDOM);
  if (at_random)
    for (int i = 0; i < 16; i++) at_random[i] = ch->random[i];
  if (!in_place) shim_install_filter();
}

__attribute__((constructor)) static void shim_init(void) {
  int prev = shim_enter();
  const char *slot_s = getenv("UMBRA_CHANNEL");
  if (slot_s) {
    shim_raw_setup();
    init(slot_s);
  } /* otherwise not started by umbra */
  shim_leave(prev);
}
