/* umbra_native: the simulator's small native toolbox (Node-API).
 * Shared memory and the protocol's layout and constants, channel futex
 * wait/wake, process spawn/kill/reap and cross-process memory access.
 * It holds no simulation logic. */
#define _GNU_SOURCE
#include <node_api.h>
#include <pthread.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <elf.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../include/umbra_ipc.h"

static uint8_t *g_shm;
static int g_shm_fd = -1;

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, NULL, "umbra_native: N-API call failed: " #call);                      \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static napi_value make_double(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "umbra_native: wrong number of arguments");
    return -1;
  }
  return 0;
}

static int64_t arg_i64(napi_env env, napi_value v) {
  int64_t out = 0;
  napi_get_value_int64(env, v, &out);
  return out;
}

static double arg_f64(napi_env env, napi_value v) {
  double out = 0;
  napi_get_value_double(env, v, &out);
  return out;
}

/* Returns a malloc'd C string; caller frees. */
static char *arg_str(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static char **arg_str_array(napi_env env, napi_value arr) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof(char *));
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value el;
    napi_get_element(env, arr, i, &el);
    out[i] = arg_str(env, el);
  }
  return out;
}

static void free_str_array(char **a) {
  if (!a) return;
  for (char **p = a; *p; p++) free(*p);
  free(a);
}

static void set_num(napi_env env, napi_value obj, const char *name, double v) {
  napi_set_named_property(env, obj, name, make_double(env, v));
}

/* layout(): offsets and constants of umbra_ipc.h, so TypeScript never retypes them. */
static napi_value js_layout(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  CHECK(napi_create_object(env, &o));
  set_num(env, o, "shmSize", (double)UMBRA_SHM_SIZE);
  set_num(env, o, "offHosts", (double)UMBRA_OFF_HOSTS);
  set_num(env, o, "offProcs", (double)UMBRA_OFF_PROCS);
  set_num(env, o, "offChannels", (double)UMBRA_OFF_CHANNELS);
  set_num(env, o, "maxHosts", UMBRA_MAX_HOSTS);
  set_num(env, o, "maxProcs", UMBRA_MAX_PROCS);
  set_num(env, o, "maxThreads", UMBRA_MAX_THREADS);
  set_num(env, o, "fdBitmapFds", UMBRA_FD_BITMAP_FDS);
  set_num(env, o, "channelSize", sizeof(umbra_channel));
  set_num(env, o, "hostSize", sizeof(umbra_host));
  set_num(env, o, "procSize", sizeof(umbra_process));
  set_num(env, o, "chState", offsetof(umbra_channel, state));
  set_num(env, o, "chKind", offsetof(umbra_channel, kind));
  set_num(env, o, "chHost", offsetof(umbra_channel, host));
  set_num(env, o, "chProc", offsetof(umbra_channel, proc));
  set_num(env, o, "chNr", offsetof(umbra_channel, nr));
  set_num(env, o, "chArgs", offsetof(umbra_channel, args));
  set_num(env, o, "chRet", offsetof(umbra_channel, ret));
  set_num(env, o, "chNativeTid", offsetof(umbra_channel, native_tid));
  set_num(env, o, "chNativePid", offsetof(umbra_channel, native_pid));
  set_num(env, o, "chVtid", offsetof(umbra_channel, vtid));
  set_num(env, o, "chVpid", offsetof(umbra_channel, vpid));
  set_num(env, o, "chRandom", offsetof(umbra_channel, random));
  set_num(env, o, "chPreemptCount", offsetof(umbra_channel, preempt_count));
  set_num(env, o, "chSigBlocked", offsetof(umbra_channel, sig_blocked));
  set_num(env, o, "chDeliverSig", offsetof(umbra_channel, deliver_sig));
  set_num(env, o, "chDeliverFlags", offsetof(umbra_channel, deliver_flags));
  set_num(env, o, "chHandler", offsetof(umbra_channel, handler));
  set_num(env, o, "chHandlerFlags", offsetof(umbra_channel, handler_flags));
  set_num(env, o, "chHandlerMask", offsetof(umbra_channel, handler_mask));
  set_num(env, o, "chSiginfo", offsetof(umbra_channel, siginfo));
  set_num(env, o, "chSpinSince", offsetof(umbra_channel, spin_since_ns));
  set_num(env, o, "chSpinReads", offsetof(umbra_channel, spin_reads));
  set_num(env, o, "chStageCount", offsetof(umbra_channel, stage_count));
  set_num(env, o, "chStageWin", offsetof(umbra_channel, stage_win));
  set_num(env, o, "chStage", offsetof(umbra_channel, stage));
  set_num(env, o, "stageWindows", UMBRA_STAGE_WINDOWS);
  set_num(env, o, "stageBytes", UMBRA_STAGE_BYTES);
  set_num(env, o, "stageCopied", UMBRA_STAGE_COPIED);
  set_num(env, o, "swSize", sizeof(umbra_stage_window));
  set_num(env, o, "swAddr", offsetof(umbra_stage_window, addr));
  set_num(env, o, "swLen", offsetof(umbra_stage_window, len));
  set_num(env, o, "swOff", offsetof(umbra_stage_window, off));
  set_num(env, o, "swFlags", offsetof(umbra_stage_window, flags));
  set_num(env, o, "swDirtyLo", offsetof(umbra_stage_window, dirty_lo));
  set_num(env, o, "swDirtyHi", offsetof(umbra_stage_window, dirty_hi));
  set_num(env, o, "hSimTime", offsetof(umbra_host, sim_time_ns));
  set_num(env, o, "hMaxRunahead", offsetof(umbra_host, max_runahead_ns));
  set_num(env, o, "hUnapplied", offsetof(umbra_host, unapplied_latency_ns));
  set_num(env, o, "hModelLatency", offsetof(umbra_host, model_unblocked_syscall_latency));
  set_num(env, o, "hHostId", offsetof(umbra_host, host_id));
  set_num(env, o, "hSyscallLatency", offsetof(umbra_host, unblocked_syscall_latency_ns));
  set_num(env, o, "hVdsoLatency", offsetof(umbra_host, unblocked_vdso_latency_ns));
  set_num(env, o, "hMaxUnapplied", offsetof(umbra_host, max_unapplied_latency_ns));
  set_num(env, o, "hRealtimeBase", offsetof(umbra_host, realtime_base_ns));
  set_num(env, o, "hRngState", offsetof(umbra_host, rng_state));
  set_num(env, o, "hUnixNsPaths", offsetof(umbra_host, unix_ns_paths));
  set_num(env, o, "hUnixNsNames", offsetof(umbra_host, unix_ns_names));
  set_num(env, o, "pNativePid", offsetof(umbra_process, native_pid));
  set_num(env, o, "pVpid", offsetof(umbra_process, vpid));
  set_num(env, o, "pInUse", offsetof(umbra_process, in_use));
  set_num(env, o, "pFdBitmap", offsetof(umbra_process, emulated_fds));
  set_num(env, o, "hdrMagic", offsetof(umbra_header, magic));
  set_num(env, o, "hdrVersion", offsetof(umbra_header, version));
  set_num(env, o, "hdrTotalSize", offsetof(umbra_header, total_size));
  set_num(env, o, "hdrTscHz", offsetof(umbra_header, tsc_hz));
  set_num(env, o, "hdrPreemptEnabled", offsetof(umbra_header, preempt_enabled));
  set_num(env, o, "hdrPreemptNativeUs", offsetof(umbra_header, preempt_native_interval_us));
  set_num(env, o, "hdrPreemptSimNs", offsetof(umbra_header, preempt_sim_interval_ns));
  set_num(env, o, "hdrTscTrap", offsetof(umbra_header, tsc_trap));
  set_num(env, o, "magic", UMBRA_MAGIC);
  set_num(env, o, "version", UMBRA_VERSION);
  set_num(env, o, "shmFd", UMBRA_SHM_FD);
  return o;
}

static napi_value group(napi_env env, napi_value parent, const char *name) {
  napi_value o;
  napi_create_object(env, &o);
  napi_set_named_property(env, parent, name, o);
  return o;
}

/* protocol(): every constant of the shim protocol in umbra_ipc.h, grouped the
 * way src/abi/protocol.ts exports them. */
static napi_value js_protocol(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  CHECK(napi_create_object(env, &o));
  set_num(env, o, "magic", UMBRA_MAGIC);
  set_num(env, o, "version", UMBRA_VERSION);
  set_num(env, o, "shmFd", UMBRA_SHM_FD);
  set_num(env, o, "exitProtocolMismatch", UMBRA_EXIT_PROTOCOL_MISMATCH);
  napi_value msg = group(env, o, "msg");
  set_num(env, msg, "START", UMBRA_MSG_START);
  set_num(env, msg, "SYSCALL", UMBRA_MSG_SYSCALL);
  set_num(env, msg, "CALL_RESULT", UMBRA_MSG_CALL_RESULT);
  set_num(env, msg, "PSEUDO", UMBRA_MSG_PSEUDO);
  set_num(env, msg, "PATH", UMBRA_MSG_PATH);
  set_num(env, msg, "COMPLETE", UMBRA_MSG_COMPLETE);
  set_num(env, msg, "DO_NATIVE", UMBRA_MSG_DO_NATIVE);
  set_num(env, msg, "START_OK", UMBRA_MSG_START_OK);
  set_num(env, msg, "NATIVE_CALL", UMBRA_MSG_NATIVE_CALL);
  set_num(env, msg, "PLACEHOLDER", UMBRA_MSG_PLACEHOLDER);
  set_num(env, msg, "CLONE", UMBRA_MSG_CLONE);
  set_num(env, msg, "EXIT_THREAD", UMBRA_MSG_EXIT_THREAD);
  set_num(env, msg, "EXEC", UMBRA_MSG_EXEC);
  napi_value sys = group(env, o, "pseudoSys");
  set_num(env, sys, "YIELD", UMBRA_SYS_YIELD);
  set_num(env, sys, "SIGRETURN", UMBRA_SYS_SIGRETURN);
  set_num(env, sys, "FAULT", UMBRA_SYS_FAULT);
  napi_value deliver = group(env, o, "deliver");
  set_num(env, deliver, "RESTART", UMBRA_DELIVER_RESTART);
  set_num(env, deliver, "DIE", UMBRA_DELIVER_DIE);
  napi_value yield = group(env, o, "yieldReason");
  set_num(env, yield, "LATENCY", UMBRA_YIELD_LATENCY);
  set_num(env, yield, "PREEMPT", UMBRA_YIELD_PREEMPT);
  set_num(env, yield, "SPIN", UMBRA_YIELD_SPIN);
  napi_value spin = group(env, o, "spin");
  set_num(env, spin, "FREE_READS", UMBRA_SPIN_FREE_READS);
  set_num(env, spin, "STEP_NS", (double)UMBRA_SPIN_STEP_NS);
  napi_value ch = group(env, o, "channel");
  set_num(env, ch, "APP", UMBRA_CH_APP);
  set_num(env, ch, "REQUEST", UMBRA_CH_REQUEST);
  set_num(env, ch, "REPLY", UMBRA_CH_REPLY);
  set_num(env, ch, "OWNER_MASK", UMBRA_CH_OWNER_MASK);
  set_num(env, ch, "SIM_SLEEPING", UMBRA_CH_SIM_SLEEPING);
  set_num(env, ch, "SHIM_SLEEPING", UMBRA_CH_SHIM_SLEEPING);
  set_num(env, ch, "PARKED", UMBRA_CH_PARKED);
  napi_value limits = group(env, o, "limits");
  set_num(env, limits, "MAX_HOSTS", UMBRA_MAX_HOSTS);
  set_num(env, limits, "MAX_PROCS", UMBRA_MAX_PROCS);
  set_num(env, limits, "MAX_THREADS", UMBRA_MAX_THREADS);
  set_num(env, limits, "FD_BITMAP_FDS", UMBRA_FD_BITMAP_FDS);
  napi_value sig = group(env, o, "shimSignals");
  set_num(env, sig, "TRAP", UMBRA_SIG_TRAP);
  set_num(env, sig, "TSC", UMBRA_SIG_TSC);
  set_num(env, sig, "PREEMPT", UMBRA_SIG_PREEMPT);
  set_num(env, sig, "BUS", UMBRA_SIG_BUS);
  set_num(env, sig, "ILL", UMBRA_SIG_ILL);
  set_num(env, sig, "FPE", UMBRA_SIG_FPE);
  napi_value tsc = group(env, o, "tscTrap");
  set_num(env, tsc, "TRAPPED", UMBRA_TSC_TRAPPED);
  set_num(env, tsc, "NOT_TRAPPED", UMBRA_TSC_NOT_TRAPPED);
  /* UMBRA_EPOCH_NS is above 2^53: exported in seconds, where a double is exact. */
  napi_value clock = group(env, o, "clock");
  set_num(env, clock, "EPOCH_SEC", (double)(UMBRA_EPOCH_NS / 1000000000ull));
  set_num(env, clock, "BOOT_NS", (double)UMBRA_BOOT_NS);
  return o;
}

static void no_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
}

/* createShm(): the simulation's shared region as an ArrayBuffer over a memfd. */
static napi_value js_create_shm(napi_env env, napi_callback_info info) {
  (void)info;
  if (g_shm) {
    /* A later simulation in the same process (the library API): start clean.
     * Punching the whole file out zeroes it without touching every page of a
     * region that is mostly never used. */
    if (fallocate(g_shm_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)UMBRA_SHM_SIZE) !=
        0)
      memset(g_shm, 0, UMBRA_SHM_SIZE);
  } else {
    int fd = (int)syscall(SYS_memfd_create, "umbra", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)UMBRA_SHM_SIZE) != 0) {
      napi_throw_error(env, NULL, "umbra_native: cannot create shared memory (memfd)");
      return NULL;
    }
    void *p = mmap(NULL, UMBRA_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      close(fd);
      napi_throw_error(env, NULL, "umbra_native: cannot map shared memory");
      return NULL;
    }
    g_shm = p;
    g_shm_fd = fd;
  }
  void *p = g_shm;
  umbra_header *h = (umbra_header *)g_shm;
  h->magic = UMBRA_MAGIC;
  h->version = UMBRA_VERSION;
  h->total_size = UMBRA_SHM_SIZE;
  h->spin_ok = 1;
  napi_value ab;
  CHECK(napi_create_external_arraybuffer(env, p, UMBRA_SHM_SIZE, no_finalize, NULL, &ab));
  return ab;
}

/* NULL, with a JS exception pending, for a slot outside the region (or before createShm). */
static umbra_channel *channel(napi_env env, int64_t slot) {
  if (!g_shm || slot < 0 || slot >= UMBRA_MAX_THREADS) {
    napi_throw_range_error(env, NULL, "umbra_native: invariant: channel slot outside the region");
    return NULL;
  }
  return (umbra_channel *)(g_shm + UMBRA_OFF_CHANNELS + (uint64_t)slot * sizeof(umbra_channel));
}

static long futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts) {
  return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

/* Has the native process `pid` (a child of ours) ended? Leaves it reapable. */
static int process_dead(int pid) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0) {
    return errno == ECHILD;
  }
  return si.si_pid == pid;
}

/* wait_request's answers (mirrored by WAIT_RESULT in src/native.ts). */
enum { WAIT_DIED = 0, WAIT_REQUEST = 1, WAIT_STILL_WAITING = 2 };

static int64_t monotonic_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spinning for the other side's answer pays only while both sides have a CPU
 * of their own: on an oversubscribed machine the spinner takes the CPU the
 * other side needs, and a round trip costs a scheduler time slice. The
 * machine's count of runnable threads (/proc/loadavg) is sampled at most
 * every SPIN_CHECK_NS and published in the header for the shims. */
#define SPIN_CHECK_NS (10 * 1000 * 1000)
/* How long one side spins before it sleeps on the futex, in wall time. */
#define SPIN_BUDGET_NS (50 * 1000)

static int g_loadavg_fd = -1;
static long g_usable_cpus;
static int64_t g_spin_checked_ns = -SPIN_CHECK_NS;
/* The machine's verdict: at most one runnable thread per usable CPU (last sample). */
static bool g_spin_ok = true;
/* The simulator's verdict (allowSpin): no more threads of its own run at once than there are
 * cores, counting itself. */
static bool g_spin_allowed = true;
/* What the header's spin_ok last said, so that it is stored only when it changes. */
static int g_spin_published = -1;

static long usable_cpus(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? n : 1;
}

/* Tells the shims whether to spin for a reply (header spin_ok). Every shim
 * reads the word before each wait, so a store that changes nothing would only
 * cost each of them a cache miss. */
static void publish_spin(void) {
  int v = g_spin_allowed && g_spin_ok;
  if (v == g_spin_published || !g_shm) return;
  g_spin_published = v;
  atomic_store_explicit((_Atomic uint32_t *)&((umbra_header *)g_shm)->spin_ok, (uint32_t)v,
                        memory_order_relaxed);
}

static bool spin_worthwhile(int64_t now_ns) {
  if (!g_spin_allowed) return false;
  if (now_ns - g_spin_checked_ns < SPIN_CHECK_NS) return g_spin_ok;
  g_spin_checked_ns = now_ns;
  if (g_usable_cpus == 0) g_usable_cpus = usable_cpus();
  if (g_loadavg_fd < 0) g_loadavg_fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  char buf[128];
  ssize_t n = g_loadavg_fd >= 0 ? pread(g_loadavg_fd, buf, sizeof buf - 1, 0) : -1;
  if (n <= 0) return g_spin_ok;
  buf[n] = 0;
  /* "0.50 0.40 0.30 RUNNABLE/TOTAL LASTPID": the fourth field counts this thread too. */
  const char *p = buf;
  for (int field = 0; field < 3 && p; field++) {
    p = strchr(p, ' ');
    if (p) p++;
  }
  if (!p) return g_spin_ok;
  long runnable = strtol(p, NULL, 10);
  /* Sampled while we wait: the count holds this thread and, usually, the managed
   * thread we just answered; spinning pays while nothing else wants a CPU. */
  g_spin_ok = runnable <= g_usable_cpus;
  publish_spin();
  return g_spin_ok;
}

/* Wait until the channel's owner byte is REQUEST. Spins for at most
 * SPIN_BUDGET_NS of wall time when the machine has a CPU to spare (the thread
 * is usually about to answer), then sleeps on the futex; a timeout lets us
 * notice a process that died without answering. With watchdog_ns > 0, gives
 * up after that much wall time of sleeping (WAIT_STILL_WAITING) so the caller
 * can say the thread is stuck and wait again. */
static int wait_request(umbra_channel *ch, int pid, int64_t watchdog_ns) {
  _Atomic uint32_t *state = (_Atomic uint32_t *)&ch->state;
  /* The clock is first read after 64 spins: most answers come sooner, and a
   * clock read is a fair part of a short round trip. A "no" from the last
   * sample is checked again at once (it is re-sampled every SPIN_CHECK_NS). */
  bool spin = g_spin_allowed && g_spin_ok;
  if (!spin) spin = spin_worthwhile(monotonic_now_ns());
  if (spin) {
    int64_t start_ns = 0;
    for (uint32_t i = 1;; i++) {
      uint32_t s = atomic_load_explicit(state, memory_order_acquire);
      if ((s & UMBRA_CH_OWNER_MASK) == UMBRA_CH_REQUEST) return WAIT_REQUEST;
      __builtin_ia32_pause();
      if ((i & 63) != 0) continue;
      int64_t now = monotonic_now_ns();
      if (start_ns == 0) {
        start_ns = now;
        if (!spin_worthwhile(now)) break;
      } else if (now - start_ns >= SPIN_BUDGET_NS) {
        break;
      }
    }
  }
  int64_t give_up_ns = watchdog_ns > 0 ? monotonic_now_ns() + watchdog_ns : 0;
  for (;;) {
    uint32_t s = atomic_load_explicit(state, memory_order_acquire);
    if ((s & UMBRA_CH_OWNER_MASK) == UMBRA_CH_REQUEST) return WAIT_REQUEST;
    uint32_t sleeping = s | UMBRA_CH_SIM_SLEEPING;
    if (!(s & UMBRA_CH_SIM_SLEEPING) && !atomic_compare_exchange_strong(state, &s, sleeping)) {
      continue;
    }
    struct timespec ts = {0, 50 * 1000 * 1000};
    long r = futex((uint32_t *)state, FUTEX_WAIT, sleeping, &ts);
    if (r != 0 && errno == ETIMEDOUT) {
      uint32_t now = atomic_load_explicit(state, memory_order_acquire);
      if ((now & UMBRA_CH_OWNER_MASK) == UMBRA_CH_REQUEST) return WAIT_REQUEST;
      if (pid > 0 && process_dead(pid)) return WAIT_DIED;
      /* SIM_SLEEPING stays set: the shim keeps waking us, the next call sleeps again. */
      if (give_up_ns > 0 && monotonic_now_ns() >= give_up_ns) return WAIT_STILL_WAITING;
    }
  }
}

static void post_reply(umbra_channel *ch) {
  _Atomic uint32_t *state = (_Atomic uint32_t *)&ch->state;
  uint32_t old = atomic_exchange_explicit(state, UMBRA_CH_REPLY, memory_order_acq_rel);
  if (old & UMBRA_CH_SHIM_SLEEPING) futex((uint32_t *)state, FUTEX_WAKE, 1, NULL);
}

/* Reads (slot, pid, watchdogNs?) for the two wait calls in one napi call; the
 * watchdog (ns of wall time) is 0, wait for ever, when absent. NULL on error. */
static umbra_channel *wait_args(napi_env env, napi_callback_info info, int *pid,
                                int64_t *watchdog_ns) {
  napi_value a[3];
  size_t argc = 3;
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "umbra_native: wrong number of arguments");
    return NULL;
  }
  *pid = (int)arg_i64(env, a[1]);
  *watchdog_ns = argc >= 3 ? arg_i64(env, a[2]) : 0;
  return channel(env, arg_i64(env, a[0]));
}

/* waitRequest(slot, pid, watchdogNs?) -> 1 request ready, 0 process dead, 2 still waiting */
static napi_value js_wait_request(napi_env env, napi_callback_info info) {
  int pid;
  int64_t watchdog_ns;
  umbra_channel *ch = wait_args(env, info, &pid, &watchdog_ns);
  if (!ch) return NULL;
  return make_int(env, wait_request(ch, pid, watchdog_ns));
}

/* replyAndWait(slot, pid, watchdogNs?): post the reply written in the channel, then wait for
 * the next message (answers as waitRequest; after 2, call waitRequest: the reply is posted). */
static napi_value js_reply_and_wait(napi_env env, napi_callback_info info) {
  int pid;
  int64_t watchdog_ns;
  umbra_channel *ch = wait_args(env, info, &pid, &watchdog_ns);
  if (!ch) return NULL;
  post_reply(ch);
  return make_int(env, wait_request(ch, pid, watchdog_ns));
}

/* allowSpin(allowed): the simulator says whether its own threads leave a core
 * for each spinner (it calls this as managed threads start and stop running
 * natively); when not, every side sleeps on its futex at once, since a spinner
 * would take the core another managed thread needs. Also tells the shims
 * (header spin_ok), together with the load-average sample. */
static napi_value js_allow_spin(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  bool allowed;
  if (napi_get_value_bool(env, a[0], &allowed) != napi_ok) {
    napi_throw_type_error(env, NULL, "umbra_native: allowSpin wants a boolean");
    return NULL;
  }
  g_spin_allowed = allowed;
  publish_spin();
  return NULL;
}

/* waitAny(slots, pids, count, watchdogNs): waits until one of `count` channels
 * (Int32Array slots, with their processes' native pids) holds a request, with
 * one futex_waitv on all their state words: the simulator's half of running
 * several hosts' threads at once. Answers the index of the channel with a
 * request (the lowest such index, so equal inputs give equal answers), or
 * -1 - index for a channel whose process died, or -(count + 1) when
 * watchdogNs > 0 of wall time passed with no answer. */
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#define WAIT_ANY_MAX 128
struct umbra_futex_waitv {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

/* Bumped by the spawner thread after each process it started (spawnAsync): waitAny sleeps on it
 * too. */
static _Atomic uint32_t g_spawn_done_seq;

/* futex_waitv is Linux 5.16 and later; without it waitAny polls. */
static bool g_have_waitv = true;

/* Whether the spawner finished a job since it counted spawn_seq (-1: not watched). */
static bool spawn_moved(int64_t spawn_seq) {
  return spawn_seq >= 0 &&
         atomic_load_explicit(&g_spawn_done_seq, memory_order_acquire) != (uint32_t)spawn_seq;
}

static int first_request(umbra_channel **chs, int n) {
  for (int i = 0; i < n; i++) {
    uint32_t s = atomic_load_explicit((_Atomic uint32_t *)&chs[i]->state, memory_order_acquire);
    if ((s & UMBRA_CH_OWNER_MASK) == UMBRA_CH_REQUEST) return i;
  }
  return -1;
}

static napi_value js_wait_any(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (get_args(env, info, 5, a)) return NULL;
  int32_t *slots = NULL, *pids = NULL;
  size_t slots_len = 0, pids_len = 0;
  napi_typedarray_type ty;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, a[0], &ty, &slots_len, (void **)&slots, &ab, &off) != napi_ok ||
      ty != napi_int32_array ||
      napi_get_typedarray_info(env, a[1], &ty, &pids_len, (void **)&pids, &ab, &off) != napi_ok ||
      ty != napi_int32_array) {
    napi_throw_type_error(env, NULL, "umbra_native: waitAny wants two Int32Arrays");
    return NULL;
  }
  int64_t n = arg_i64(env, a[2]);
  int64_t watchdog_ns = arg_i64(env, a[3]);
  /* spawnSeq >= 0: also wake when the spawner finished a job after that count (answer -(n + 2)). */
  int64_t spawn_seq = arg_i64(env, a[4]);
  /* futex_waitv takes at most 128 words: the channels and, when watched, the spawner's. */
  if (n <= 0 || n > WAIT_ANY_MAX - 1 || (size_t)n > slots_len || (size_t)n > pids_len) {
    napi_throw_range_error(env, NULL,
                           "umbra_native: invariant: waitAny count outside 1..127 or the arrays");
    return NULL;
  }
  umbra_channel *chs[WAIT_ANY_MAX];
  for (int i = 0; i < n; i++) {
    chs[i] = channel(env, slots[i]);
    if (!chs[i]) return NULL;
  }
  int64_t start_ns = monotonic_now_ns();
  if (spawn_moved(spawn_seq)) return make_int(env, -(n + 2));
  if (spin_worthwhile(start_ns)) {
    for (uint32_t k = 1;; k++) {
      int i = first_request(chs, (int)n);
      if (i >= 0) return make_int(env, i);
      __builtin_ia32_pause();
      if ((k & 63) == 0 && monotonic_now_ns() - start_ns >= SPIN_BUDGET_NS) break;
    }
  }
  int64_t give_up_ns = watchdog_ns > 0 ? monotonic_now_ns() + watchdog_ns : 0;
  /* Without futex_waitv: when the next 50 ms check for dead processes is due. */
  int64_t deadline_ns = monotonic_now_ns() + 50 * 1000 * 1000;
  struct umbra_futex_waitv w[WAIT_ANY_MAX + 1];
  for (;;) {
    /* Announce the sleep on every word first, then look once more: a shim that
     * answered in between either is seen here or sees SIM_SLEEPING and wakes us. */
    for (int i = 0; i < n; i++) {
      _Atomic uint32_t *state = (_Atomic uint32_t *)&chs[i]->state;
      uint32_t s = atomic_fetch_or_explicit(state, UMBRA_CH_SIM_SLEEPING, memory_order_acq_rel);
      s |= UMBRA_CH_SIM_SLEEPING;
      w[i].val = s;
      w[i].uaddr = (uint64_t)(uintptr_t)state;
      w[i].flags = 2; /* FUTEX2_SIZE_U32; shared, not private: the word is in the shared region */
      w[i].reserved = 0;
    }
    int waiters = (int)n;
    if (spawn_seq >= 0) {
      w[waiters].val = (uint32_t)spawn_seq;
      w[waiters].uaddr = (uint64_t)(uintptr_t)&g_spawn_done_seq;
      w[waiters].flags = 2 | 128; /* FUTEX2_SIZE_U32 | FUTEX2_PRIVATE: a word of this process */
      w[waiters].reserved = 0;
      waiters++;
    }
    int i = first_request(chs, (int)n);
    if (i >= 0) return make_int(env, i);
    if (spawn_moved(spawn_seq)) return make_int(env, -(n + 2));
    /* futex_waitv's timeout is absolute, on the clock named in its last argument. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 50 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    long r = g_have_waitv ? syscall(SYS_futex_waitv, w, (unsigned)waiters, 0, &ts, CLOCK_MONOTONIC)
                          : (errno = ENOSYS, -1);
    if (r < 0 && errno == ENOSYS) {
      /* A kernel before 5.16: poll, sleeping 100 µs at a time on the first word. */
      g_have_waitv = false;
      struct timespec nap = {0, 100 * 1000};
      syscall(SYS_futex, (uint32_t *)w[0].uaddr, FUTEX_WAIT, (uint32_t)w[0].val, &nap, NULL, 0);
      if (monotonic_now_ns() >= deadline_ns) {
        errno = ETIMEDOUT;
        deadline_ns = monotonic_now_ns() + 50 * 1000 * 1000;
      } else {
        errno = EAGAIN;
      }
      r = -1;
    }
    i = first_request(chs, (int)n);
    if (i >= 0) return make_int(env, i);
    if (spawn_moved(spawn_seq)) return make_int(env, -(n + 2));
    if (r < 0 && errno == ETIMEDOUT) {
      for (int j = 0; j < n; j++)
        if (pids[j] > 0 && process_dead(pids[j])) return make_int(env, -1 - j);
      if (give_up_ns > 0 && monotonic_now_ns() >= give_up_ns) return make_int(env, -(n + 1));
    }
  }
}

/* reply(slot): post the reply without waiting (thread exit). */
static napi_value js_reply(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  umbra_channel *ch = channel(env, arg_i64(env, a[0]));
  if (ch) post_reply(ch);
  return NULL;
}

/* park(slot): the request on this channel blocks in simulated time; its shim
 * stops spinning for the reply (UMBRA_CH_PARKED). Atomic: the shim may be
 * setting SHIM_SLEEPING at the same moment. */
static napi_value js_park(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  umbra_channel *ch = channel(env, arg_i64(env, a[0]));
  if (ch)
    atomic_fetch_or_explicit((_Atomic uint32_t *)&ch->state, UMBRA_CH_PARKED, memory_order_release);
  return NULL;
}

/* In a freshly forked child, before exec (async-signal-safe calls only): die
 * with umbra, leave umbra's session (a terminal's ^C reaches umbra, not the
 * managed processes), no ASLR, and Linux's default signal state. */
static void child_prepare(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  setsid();
  personality(ADDR_NO_RANDOMIZE);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < 65; s++)
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The child reports a failed exec by writing errno to a close-on-exec pipe;
 * EOF means the exec happened. Returns the pid or -errno. */
static int64_t await_exec(pid_t pid, int errpipe_read) {
  int child_err = 0;
  ssize_t n;
  do {
    n = read(errpipe_read, &child_err, sizeof child_err);
  } while (n < 0 && errno == EINTR);
  if (n == (ssize_t)sizeof child_err) {
    waitpid(pid, NULL, 0);
    return -child_err;
  }
  return pid;
}

/* What a new native process starts with: fds 0-2 opened from files (a
 * configured process), or taken over from another process (an execve). */
struct spawn_io {
  const char *out_path; /* fd 1 and 2 files, when from_pid == 0 */
  const char *err_path;
  pid_t from_pid; /* execve: the old native process */
  const int *fds; /* ... and the fds it keeps, at the same numbers */
  uint32_t nfds;
  const struct exec_creds *creds; /* execve: the identity it keeps, or NULL */
};

/* What an execve keeps of the old native process's identity, read by the
 * simulator from /proc (the exec thread's status). The new image is a fresh
 * child of the simulator, which runs as root: without these it would run as
 * root with every capability again. */
struct exec_creds {
  uint32_t umask;
  uint32_t uid[3]; /* real, effective, saved */
  uint32_t gid[3];
  uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
  struct rlimit limits[RLIM_NLIMITS];
  uint32_t ngroups;
  gid_t *groups;
};

static int set_caps(uint64_t prm, uint64_t eff, uint64_t inh) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  d[0].permitted = (uint32_t)prm;
  d[1].permitted = (uint32_t)(prm >> 32);
  d[0].effective = (uint32_t)eff;
  d[1].effective = (uint32_t)(eff >> 32);
  d[0].inheritable = (uint32_t)inh;
  d[1].inheritable = (uint32_t)(inh >> 32);
  return (int)syscall(SYS_capset, &hdr, d);
}

/* In the child, after its fds and cwd, before exec (raw syscalls only): take
 * the old process's resource limits, umask, no_new_privs (every managed
 * process has it: the shim's seccomp filter needs it, and it is why a setuid
 * binary gains nothing under umbra), groups, uids and gids, and capability
 * sets, so that the kernel's exec computes the new image's identity exactly
 * as it would have for the old process. Keep-caps holds the permitted set
 * across the uid change until it is narrowed to the old one. Securebits other
 * than keep-caps (which exec clears anyway) are not carried. */
static int child_creds(const struct exec_creds *c) {
  for (int r = 0; r < RLIM_NLIMITS; r++)
    if (setrlimit((enum __rlimit_resource)r, &c->limits[r]) != 0) return -1;
  umask(c->umask);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  for (int cap = 0; cap < 64; cap++)
    if (((c->cap_bnd >> cap) & 1) == 0 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      return -1;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return -1;
  /* Raw syscalls: glibc's wrappers would signal every thread it believes the
   * process has, and this child shares the simulator's memory (CLONE_VM) and
   * so its list of threads; the kernel applies these to the calling thread,
   * which is the whole child. */
  if (syscall(SYS_setgroups, c->ngroups, c->groups) != 0) return -1;
  if (syscall(SYS_setresgid, c->gid[0], c->gid[1], c->gid[2]) != 0) return -1;
  if (syscall(SYS_setresuid, c->uid[0], c->uid[1], c->uid[2]) != 0) return -1;
  /* Inheritable first (every capability is still permitted), then ambient, which needs both. */
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct now[2];
  if (syscall(SYS_capget, &hdr, now) != 0) return -1;
  uint64_t permitted = now[0].permitted | (uint64_t)now[1].permitted << 32;
  if (set_caps(permitted, 0, c->cap_inh) != 0) return -1;
  for (int cap = 0; cap < 64; cap++)
    if (((c->cap_amb >> cap) & 1) != 0 &&
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      return -1;
  return set_caps(c->cap_prm, c->cap_eff, c->cap_inh);
}

/* The shim is the first entry of LD_PRELOAD (managedEnv puts it there). The user a process
 * became may be unable to read it (umbra installed under a private directory): ld.so would
 * skip it and the program would run outside the simulation, so the exec fails instead, with
 * ELIBACC ("cannot access a needed shared library"). Returns 0 or -1 with errno set. */
static int child_shim_readable(char **envp, const struct exec_creds *c) {
  /* Root gets every capability back at exec anyway. */
  if (c->uid[0] == 0 || c->uid[1] == 0) return 0;
  static const char key[] = "LD_PRELOAD=";
  for (char **e = envp; *e; e++) {
    size_t i = 0;
    while (key[i] && (*e)[i] == key[i]) i++;
    if (key[i]) continue;
    char path[4096];
    size_t n = 0;
    for (const char *v = *e + i; v[n] && v[n] != ':' && n < sizeof path - 1; n++) path[n] = v[n];
    path[n] = 0;
    /* Checked with the capabilities the new image will have: for a user other than root,
     * exec keeps only the ambient ones (no_new_privs leaves file capabilities out). */
    if (set_caps(c->cap_prm, c->cap_amb & c->cap_prm, c->cap_inh) != 0) return -1;
    int ok = faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0;
    if (set_caps(c->cap_prm, c->cap_eff, c->cap_inh) != 0) return -1;
    if (ok) return 0;
    errno = ELIBACC;
    return -1;
  }
  return 0;
}

/* In the child, before exec. Returns 0 or -1 with errno set. */
static int child_fds(const struct spawn_io *io, int *errpipe_w) {
  if (io->from_pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(io->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int er = open(io->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || er < 0) return -1;
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(er, 2) < 0) return -1;
    if (dup2(g_shm_fd, UMBRA_SHM_FD) < 0) return -1;
    syscall(SYS_close_range, 3, UMBRA_SHM_FD - 1, 4 /* CLOSE_RANGE_CLOEXEC */);
    syscall(SYS_close_range, UMBRA_SHM_FD + 1, ~0u, 4);
    return 0;
  }
  /* Park our own fds high so the inherited numbers are free to take. */
  int high = 1 << 16;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)high + 4096)
    high = (int)rl.rlim_cur / 2;
  int ep = fcntl(*errpipe_w, F_DUPFD_CLOEXEC, high);
  int shm = fcntl(g_shm_fd, F_DUPFD_CLOEXEC, high);
  int pidfd = (int)syscall(SYS_pidfd_open, io->from_pid, 0);
  if (ep < 0 || shm < 0 || pidfd < 0) return -1;
  *errpipe_w = ep;
  int tmp[256];
  if (io->nfds > 256) {
    errno = EMFILE;
    return -1;
  }
  for (uint32_t i = 0; i < io->nfds; i++) {
    int got = (int)syscall(SYS_pidfd_getfd, pidfd, io->fds[i], 0);
    if (got < 0) return -1;
    tmp[i] = fcntl(got, F_DUPFD_CLOEXEC, high);
    close(got);
    if (tmp[i] < 0) return -1;
  }
  syscall(SYS_close_range, 0, high - 1, 0);
  for (uint32_t i = 0; i < io->nfds; i++)
    if (dup2(tmp[i], io->fds[i]) < 0) return -1;
  return dup2(shm, UMBRA_SHM_FD) < 0 ? -1 : 0;
}

/* Where AT_RANDOM's 16 bytes are in a stopped process (its auxiliary vector); 0 if absent.
 * Read whole: each read of /proc/<pid>/auxv renders the vector again, and a
 * pair per read cost a spawn about 0.5 ms. */
static uint64_t auxv_at_random(pid_t pid) {
  char name[64];
  snprintf(name, sizeof name, "/proc/%d/auxv", (int)pid);
  int fd = open(name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  uint64_t v[128]; /* Linux's vector has fewer than 40 pairs */
  size_t got = 0;
  ssize_t n;
  while (got < sizeof v && (n = read(fd, (char *)v + got, sizeof v - got)) > 0) got += (size_t)n;
  close(fd);
  uint64_t addr = 0;
  for (size_t i = 0; i + 1 < got / sizeof v[0] && v[i] != AT_NULL; i += 2)
    if (v[i] == AT_RANDOM) {
      addr = v[i + 1];
      break;
    }
  return addr;
}

/* The child stopped right after exec (PTRACE_TRACEME), before ld.so ran: put
 * the seeded bytes in AT_RANDOM, which the loader turns into the stack canary
 * and pointer guard, then let it go. Returns 0 or -errno; the child is killed
 * on failure so that no run goes on with host randomness. */
static int seed_at_random(pid_t pid, const uint8_t *bytes) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, __WALL);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return -errno;
  if (!WIFSTOPPED(status)) return -ECHILD; /* died before its first instruction */
  int err = 0;
  uint64_t addr = auxv_at_random(pid);
  if (addr == 0) {
    err = -ENOENT;
  } else {
    struct iovec local = {(void *)bytes, 16};
    struct iovec remote = {(void *)(uintptr_t)addr, 16};
    if (process_vm_writev(pid, &local, 1, &remote, 1, 0) != 16) err = -errno;
  }
  if (err == 0 && ptrace(PTRACE_DETACH, pid, NULL, NULL) != 0) err = -errno;
  if (err != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, __WALL);
  }
  return err;
}

/* What the child of spawn_process needs; it lives on the parent's stack,
 * which the child shares (CLONE_VM) while the parent waits for its exec. */
struct spawn_child {
  pid_t parent;
  const char *path;
  char **argv;
  char **envp;
  const char *cwd;
  const struct spawn_io *io;
  bool trace;
  int errpipe_w;
};

/* The child, on its own small stack in the parent's memory: only
 * async-signal-safe calls until execve, and nothing that allocates. */
static int spawn_child_main(void *arg) {
  struct spawn_child *c = arg;
  child_prepare(c->parent);
  int w = c->errpipe_w;
  /* Traced, the child stops at its exec before the loader reads AT_RANDOM. */
  bool traced = !c->trace || ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0;
  const struct exec_creds *creds = c->io->creds;
  if (traced && child_fds(c->io, &w) == 0 && chdir(c->cwd) == 0 &&
      (!creds || (child_creds(creds) == 0 && child_shim_readable(c->envp, creds) == 0)))
    execve(c->path, c->argv, c->envp);
  int err = errno;
  if (write(w, &err, sizeof err) < 0) {
    /* nothing more we can do */
  }
  _exit(127);
}

/* Room for the child's few frames before exec (child_fds keeps a 1 KiB array). */
#define SPAWN_CHILD_STACK_BYTES (64 * 1024)

/* Starts a managed process; `at_random`, when set, is written to the new
 * image's AT_RANDOM before it runs. Returns pid or -errno. The child shares
 * the simulator's memory until its exec (CLONE_VM|CLONE_VFORK, as
 * posix_spawn does): copying the page tables of a large Node process with
 * fork cost milliseconds per process, most of a many-host run's start-up.
 * Every signal stays blocked across the clone so that none of Node's
 * handlers can run on the child's borrowed stack; the child resets them. */
static int64_t spawn_process(const char *path, char **argv, char **envp, const char *cwd,
                             const struct spawn_io *io, const uint8_t *at_random) {
  int errpipe[2];
  if (g_shm_fd < 0) return -EINVAL;
  char *stack = malloc(SPAWN_CHILD_STACK_BYTES);
  if (!stack) return -ENOMEM;
  if (pipe2(errpipe, O_CLOEXEC) != 0) {
    int e = errno;
    free(stack);
    return -e;
  }
  struct spawn_child c = {getpid(), path, argv, envp, cwd, io, at_random != NULL, errpipe[1]};
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(spawn_child_main, stack + SPAWN_CHILD_STACK_BYTES,
                    CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
  int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  free(stack);
  close(errpipe[1]);
  if (pid < 0) {
    close(errpipe[0]);
    return -clone_err;
  }
  int64_t result = await_exec(pid, errpipe[0]);
  close(errpipe[0]);
  if (result > 0 && at_random) {
    int err = seed_at_random(pid, at_random);
    if (err != 0) return err;
  }
  return result;
}

/* The 16 AT_RANDOM bytes argument (a Uint8Array), or NULL (after throwing) if it is not one. */
static const uint8_t *arg_at_random(napi_env env, napi_value v) {
  napi_typedarray_type t;
  size_t len = 0;
  void *data = NULL;
  napi_value ab;
  size_t boff;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, &ab, &boff) != napi_ok ||
      t != napi_uint8_array || len != 16) {
    napi_throw_type_error(env, NULL, "umbra_native: atRandom must be a 16-byte Uint8Array");
    return NULL;
  }
  return data;
}

/* Starting processes off the simulator's thread. Most of a spawn is waiting:
 * the child creates its stdout and stderr files (hundreds of µs each on a
 * slow disk) and execs while the parent is held by CLONE_VFORK. With hosts
 * in parallel, spawner threads do that waiting while the simulator goes on;
 * the new process's START arrives on its channel as usual. A spawner also
 * traces its child to its first instruction (the tracer must be the thread
 * that cloned it), and as the children's parent it must outlive them
 * (PR_SET_PDEATHSIG follows the creating thread): it lives as long as umbra.
 * Two spawners: on a disk-backed data directory one alone bounded a
 * many-host start (5000 hosts: 16-18 s, 14 s with two), each of its spawns
 * mostly waiting for the disk and the child's exec; where the CPUs are the
 * bound (tmpfs) two change nothing. Results are matched by job id, so the
 * order in which jobs finish changes nothing simulated. */
#define SPAWNERS 2
struct spawn_job {
  char *path, **argv, **envp, *cwd, *out_path, *err_path;
  uint8_t at_random[16];
  int32_t id;
  int64_t result;
  struct spawn_job *next;
};

static pthread_mutex_t g_spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_spawn_cond = PTHREAD_COND_INITIALIZER;
static struct spawn_job *g_spawn_todo, *g_spawn_done_list;
/* The last job of g_spawn_todo (meaningful only while the list is not empty). */
static struct spawn_job *g_spawn_todo_tail;
static bool g_spawner_started;

static void free_job(struct spawn_job *j) {
  free(j->path);
  free_str_array(j->argv);
  free_str_array(j->envp);
  free(j->cwd);
  free(j->out_path);
  free(j->err_path);
  free(j);
}

/* Reads the arguments spawn and spawnAsync share, a[0..6] = (path, argv, envp, cwd, stdoutPath,
 * stderrPath, atRandom), into a new job. NULL after throwing; *bad when a string could not be read.
 */
static struct spawn_job *read_spawn_job(napi_env env, const napi_value *a, bool *bad) {
  const uint8_t *at_random = arg_at_random(env, a[6]);
  if (!at_random) return NULL;
  struct spawn_job *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, NULL, "umbra_native: out of memory");
    return NULL;
  }
  j->path = arg_str(env, a[0]);
  j->argv = arg_str_array(env, a[1]);
  j->envp = arg_str_array(env, a[2]);
  j->cwd = arg_str(env, a[3]);
  j->out_path = arg_str(env, a[4]);
  j->err_path = arg_str(env, a[5]);
  memcpy(j->at_random, at_random, sizeof j->at_random);
  *bad = !j->path || !j->argv || !j->envp || !j->cwd || !j->out_path || !j->err_path;
  return j;
}

static int64_t run_spawn_job(const struct spawn_job *j) {
  struct spawn_io io = {j->out_path, j->err_path, 0, NULL, 0, NULL};
  return spawn_process(j->path, j->argv, j->envp, j->cwd, &io, j->at_random);
}

/* spawn(path, argv, envp, cwd, stdoutPath, stderrPath, atRandom) -> native pid, or -errno. */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  napi_value a[7];
  if (get_args(env, info, 7, a)) return NULL;
  bool bad;
  struct spawn_job *j = read_spawn_job(env, a, &bad);
  if (!j) return NULL;
  int64_t result = bad ? -EINVAL : run_spawn_job(j);
  free_job(j);
  return make_int(env, result);
}

static void *spawner_main(void *unused) {
  (void)unused;
  for (;;) {
    pthread_mutex_lock(&g_spawn_lock);
    while (!g_spawn_todo) pthread_cond_wait(&g_spawn_cond, &g_spawn_lock);
    struct spawn_job *j = g_spawn_todo;
    g_spawn_todo = j->next;
    pthread_mutex_unlock(&g_spawn_lock);
    j->result = run_spawn_job(j);
    pthread_mutex_lock(&g_spawn_lock);
    j->next = g_spawn_done_list;
    g_spawn_done_list = j;
    pthread_mutex_unlock(&g_spawn_lock);
    atomic_fetch_add_explicit(&g_spawn_done_seq, 1, memory_order_acq_rel);
    syscall(SYS_futex, (uint32_t *)&g_spawn_done_seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  }
  return NULL;
}

/* spawnAsync(id, path, argv, envp, cwd, stdoutPath, stderrPath, atRandom): as spawn, on the
 * spawner thread; the outcome comes from spawnResults. Returns nothing. */
static napi_value js_spawn_async(napi_env env, napi_callback_info info) {
  napi_value a[8];
  if (get_args(env, info, 8, a)) return NULL;
  bool bad;
  struct spawn_job *j = read_spawn_job(env, a + 1, &bad);
  if (!j) return NULL;
  j->id = (int32_t)arg_i64(env, a[0]);
  if (bad) {
    free_job(j);
    napi_throw_error(env, NULL, "umbra_native: spawnAsync: bad arguments");
    return NULL;
  }
  pthread_mutex_lock(&g_spawn_lock);
  if (!g_spawner_started) {
    /* Every signal blocked in the spawners: none of Node's handlers may run on a borrowed stack. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int started = 0;
    for (int i = 0; i < SPAWNERS; i++) {
      pthread_t th;
      if (pthread_create(&th, &attr, spawner_main, NULL) == 0) started++;
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started == 0) {
      pthread_mutex_unlock(&g_spawn_lock);
      free_job(j);
      napi_throw_error(env, NULL, "umbra_native: cannot start the spawner thread");
      return NULL;
    }
    g_spawner_started = true;
  }
  /* Appended: jobs start in the order they were asked for. */
  if (g_spawn_todo)
    g_spawn_todo_tail->next = j;
  else
    g_spawn_todo = j;
  g_spawn_todo_tail = j;
  pthread_cond_signal(&g_spawn_cond);
  pthread_mutex_unlock(&g_spawn_lock);
  return NULL;
}

/* spawnResults(out Float64Array) -> count: the finished jobs since the last call, as pairs
 * (id, native pid or -errno), at most out.length / 2 of them (the rest stay for the next call). */
static napi_value js_spawn_results(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  napi_typedarray_type ty;
  size_t len = 0;
  void *data = NULL;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, a[0], &ty, &len, &data, &ab, &off) != napi_ok ||
      ty != napi_float64_array) {
    napi_throw_type_error(env, NULL, "umbra_native: spawnResults wants a Float64Array");
    return NULL;
  }
  double *out = data;
  size_t n = 0;
  pthread_mutex_lock(&g_spawn_lock);
  while (g_spawn_done_list && (n + 1) * 2 <= len) {
    struct spawn_job *j = g_spawn_done_list;
    g_spawn_done_list = j->next;
    out[2 * n] = j->id;
    out[2 * n + 1] = (double)j->result;
    n++;
    free_job(j);
  }
  pthread_mutex_unlock(&g_spawn_lock);
  return make_int(env, (int64_t)n);
}

/* spawnSeq(): the count of finished jobs, for waitAny's wake-up on the next one. */
static napi_value js_spawn_seq(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int(env, atomic_load_explicit(&g_spawn_done_seq, memory_order_acquire));
}

/* spawnWait(seq): sleeps (50 ms at most) until spawnSeq() differs from seq. */
static napi_value js_spawn_wait(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (get_args(env, info, 1, a)) return NULL;
  uint32_t seq = (uint32_t)arg_i64(env, a[0]);
  if (atomic_load_explicit(&g_spawn_done_seq, memory_order_acquire) == seq) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    syscall(SYS_futex, (uint32_t *)&g_spawn_done_seq, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
  }
  return NULL;
}

/* The creds argument of spawnExec: [umask, ruid, euid, suid, rgid, egid, sgid, capInh, capPrm,
 * capEff, capBnd, capAmb, then the soft and hard limit of each of the 16 resources (-1: unlimited),
 * then the groups] (capability masks are below 2^53). Returns 0, or -1 after throwing. */
static int arg_creds(napi_env env, napi_value v, struct exec_creds *c) {
  enum { FIXED = 12 + 2 * RLIM_NLIMITS };
  uint32_t n = 0;
  if (napi_get_array_length(env, v, &n) != napi_ok || n < FIXED || n - FIXED > 65536) {
    napi_throw_type_error(env, NULL,
                          "umbra_native: creds must be an array of 44 numbers and the groups");
    return -1;
  }
  int64_t f[FIXED];
  for (uint32_t i = 0; i < FIXED; i++) {
    napi_value el;
    napi_get_element(env, v, i, &el);
    f[i] = arg_i64(env, el);
  }
  c->umask = (uint32_t)f[0];
  for (int i = 0; i < 3; i++) {
    c->uid[i] = (uint32_t)f[1 + i];
    c->gid[i] = (uint32_t)f[4 + i];
  }
  c->cap_inh = (uint64_t)f[7];
  c->cap_prm = (uint64_t)f[8];
  c->cap_eff = (uint64_t)f[9];
  c->cap_bnd = (uint64_t)f[10];
  c->cap_amb = (uint64_t)f[11];
  for (int r = 0; r < RLIM_NLIMITS; r++) {
    int64_t cur = f[12 + 2 * r], max = f[13 + 2 * r];
    c->limits[r].rlim_cur = cur < 0 ? RLIM_INFINITY : (rlim_t)cur;
    c->limits[r].rlim_max = max < 0 ? RLIM_INFINITY : (rlim_t)max;
  }
  c->ngroups = n - FIXED;
  c->groups = calloc(c->ngroups + 1, sizeof(gid_t));
  if (!c->groups) {
    napi_throw_error(env, NULL, "umbra_native: out of memory");
    return -1;
  }
  for (uint32_t i = 0; i < c->ngroups; i++) {
    napi_value el;
    napi_get_element(env, v, FIXED + i, &el);
    c->groups[i] = (gid_t)arg_i64(env, el);
  }
  return 0;
}

/* spawnExec(path, argv, envp, cwd, fromPid, fds, atRandom, creds) -> native pid or -errno.
 * The new image of an execve: a fresh process that takes over `fds` of the
 * old native process (pidfd_getfd) at the same numbers, as exec keeps them,
 * and its identity (see child_creds). */
static napi_value js_spawn_exec(napi_env env, napi_callback_info info) {
  napi_value a[8];
  if (get_args(env, info, 8, a)) return NULL;
  const uint8_t *at_random = arg_at_random(env, a[6]);
  if (!at_random) return NULL;
  struct exec_creds creds;
  if (arg_creds(env, a[7], &creds)) return NULL;
  char *path = arg_str(env, a[0]);
  char **argv = arg_str_array(env, a[1]);
  char **envp = arg_str_array(env, a[2]);
  char *cwd = arg_str(env, a[3]);
  uint32_t nfds = 0;
  napi_get_array_length(env, a[5], &nfds);
  int *fds = calloc(nfds + 1, sizeof(int));
  for (uint32_t i = 0; fds && i < nfds; i++) {
    napi_value el;
    napi_get_element(env, a[5], i, &el);
    fds[i] = (int)arg_i64(env, el);
  }
  int64_t result = -EINVAL;
  if (path && argv && envp && cwd && fds) {
    struct spawn_io io = {NULL, NULL, (pid_t)arg_i64(env, a[4]), fds, nfds, &creds};
    result = spawn_process(path, argv, envp, cwd, &io, at_random);
  }
  free(creds.groups);
  free(path);
  free_str_array(argv);
  free_str_array(envp);
  free(cwd);
  free(fds);
  return make_int(env, result);
}

/* shmPath() -> the path through which another process of the same user can
 * open the shared region (an execve in place hands it to the new image), or "". */
static napi_value js_shm_path(napi_env env, napi_callback_info info) {
  (void)info;
  char path[64] = "";
  if (g_shm_fd >= 0) snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getpid(), g_shm_fd);
  napi_value v;
  CHECK(napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v));
  return v;
}

/* reap(pid, block) -> raw wait status, or -1 if still running (non-blocking), -errno on error. */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  bool block = false;
  napi_get_value_bool(env, a[1], &block);
  int status = 0;
  pid_t r;
  do {
    r = waitpid((pid_t)arg_i64(env, a[0]), &status, (block ? 0 : WNOHANG) | __WALL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return make_int(env, -errno);
  if (r == 0) return make_int(env, -1);
  return make_int(env, status);
}

/* kill(pid, sig) -> 0 or -errno */
static napi_value js_kill(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  int r = kill((pid_t)arg_i64(env, a[0]), (int)arg_i64(env, a[1]));
  return make_int(env, r == 0 ? 0 : -errno);
}

/* tgkill(pid, tid, sig) -> 0 or -errno */
static napi_value js_tgkill(napi_env env, napi_callback_info info) {
  napi_value a[3];
  if (get_args(env, info, 3, a)) return NULL;
  long r = syscall(SYS_tgkill, (pid_t)arg_i64(env, a[0]), (pid_t)arg_i64(env, a[1]),
                   (int)arg_i64(env, a[2]));
  return make_int(env, r == 0 ? 0 : -errno);
}

/* Shared body of readMem/writeMem: (pid, addr, buffer, offset, len) -> bytes or -errno. */
static napi_value mem_io(napi_env env, napi_callback_info info, int write) {
  napi_value a[5];
  if (get_args(env, info, 5, a)) return NULL;
  pid_t pid = (pid_t)arg_i64(env, a[0]);
  double addr = arg_f64(env, a[1]);
  void *data = NULL;
  size_t cap = 0;
  bool is_ab = false;
  napi_is_arraybuffer(env, a[2], &is_ab);
  if (is_ab) {
    CHECK(napi_get_arraybuffer_info(env, a[2], &data, &cap));
  } else {
    napi_typedarray_type t;
    size_t len;
    napi_value ab;
    size_t boff;
    CHECK(napi_get_typedarray_info(env, a[2], &t, &len, &data, &ab, &boff));
    cap = len; /* only Uint8Array/Buffer are used */
  }
  int64_t off = arg_i64(env, a[3]);
  int64_t len = arg_i64(env, a[4]);
  if (off < 0 || len < 0 || (uint64_t)(off + len) > cap) {
    napi_throw_range_error(env, NULL, "umbra_native: memory access outside the buffer");
    return NULL;
  }
  if (len == 0) return make_int(env, 0);
  struct iovec local = {(uint8_t *)data + off, (size_t)len};
  struct iovec remote = {(void *)(uintptr_t)addr, (size_t)len};
  ssize_t r = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0)
                    : process_vm_readv(pid, &local, 1, &remote, 1, 0);
  return make_int(env, r < 0 ? -errno : r);
}

static napi_value js_read_mem(napi_env env, napi_callback_info info) {
  return mem_io(env, info, 0);
}
static napi_value js_write_mem(napi_env env, napi_callback_info info) {
  return mem_io(env, info, 1);
}

/* waitThreadGone(pid, tid): returns once the native thread no longer exists
 * (so its stack may be reused), or after ~1 s. 1 if gone, 0 on timeout. */
static napi_value js_wait_thread_gone(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (get_args(env, info, 2, a)) return NULL;
  pid_t pid = (pid_t)arg_i64(env, a[0]), tid = (pid_t)arg_i64(env, a[1]);
  for (int i = 0; i < 100000; i++) {
    if (syscall(SYS_tgkill, pid, tid, 0) != 0 && errno == ESRCH) return make_int(env, 1);
    if (i < 200) {
      sched_yield();
    } else {
      struct timespec ts = {0, 10000};
      nanosleep(&ts, NULL);
    }
  }
  return make_int(env, 0);
}

/* TSC rate (Hz) for rdtsc emulation: cpuid leaf 0x15/0x16, else cpufreq, else 2.5 GHz. */
static uint64_t measure_tsc_hz(void) {
  unsigned a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0));
  unsigned max_leaf = a;
  if (max_leaf >= 0x15) {
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x15), "c"(0));
    if (a && b && c) return (uint64_t)c * b / a;
  }
  if (max_leaf >= 0x16) {
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x16), "c"(0));
    if (a & 0xffff) return (uint64_t)(a & 0xffff) * 1000000ull;
  }
  FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "r");
  if (f) {
    unsigned long long khz = 0;
    int ok = fscanf(f, "%llu", &khz);
    fclose(f);
    if (ok == 1 && khz) return khz * 1000ull;
  }
  return 2500000000ull;
}

static napi_value js_tsc_hz(napi_env env, napi_callback_info info) {
  (void)info;
  return make_double(env, (double)measure_tsc_hz());
}

static void tsc_probe_segv(int sig) {
  (void)sig;
  _exit(UMBRA_TSC_TRAPPED);
}

/* rdtscTraps(): does rdtsc fault after PR_SET_TSC on this machine? A child
 * process tries (the setting is per process and cannot be undone). The shim
 * runs its own self-test; this answer is for callers without a managed
 * process at hand, such as tests deciding whether to skip. */
static napi_value js_rdtsc_traps(napi_env env, napi_callback_info info) {
  (void)info;
  static int answer = -1;
  if (answer < 0) {
    pid_t pid = fork();
    if (pid < 0) {
      napi_throw_error(env, NULL, "umbra_native: fork failed for the rdtsc probe");
      return NULL;
    }
    if (pid == 0) {
      /* Only async-signal-safe calls: the parent has other threads. */
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = tsc_probe_segv;
      sigaction(SIGSEGV, &sa, NULL);
      sigset_t segv;
      sigemptyset(&segv);
      sigaddset(&segv, SIGSEGV);
      sigprocmask(SIG_UNBLOCK, &segv, NULL);
      if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV) == 0) {
        unsigned lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        (void)lo;
        (void)hi;
      }
      _exit(UMBRA_TSC_NOT_TRAPPED);
    }
    int status = 0;
    pid_t r;
    do {
      r = waitpid(pid, &status, __WALL);
    } while (r < 0 && errno == EINTR);
    answer = r == pid && WIFEXITED(status) && WEXITSTATUS(status) == UMBRA_TSC_TRAPPED;
  }
  napi_value out;
  napi_get_boolean(env, answer == 1, &out);
  return out;
}

/* monotonicNs(): wall-clock monotonic time, for progress and benchmarks only. */
static napi_value js_monotonic_ns(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return make_double(env, (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec);
}

#define EXPORT(name, fn)                                                                           \
  do {                                                                                             \
    napi_value f;                                                                                  \
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);                               \
    napi_set_named_property(env, exports, name, f);                                                \
  } while (0)

static napi_value init(napi_env env, napi_value exports) {
  EXPORT("layout", js_layout);
  EXPORT("protocol", js_protocol);
  EXPORT("rdtscTraps", js_rdtsc_traps);
  EXPORT("createShm", js_create_shm);
  EXPORT("waitRequest", js_wait_request);
  EXPORT("replyAndWait", js_reply_and_wait);
  EXPORT("waitAny", js_wait_any);
  EXPORT("allowSpin", js_allow_spin);
  EXPORT("spawnAsync", js_spawn_async);
  EXPORT("spawnResults", js_spawn_results);
  EXPORT("spawnSeq", js_spawn_seq);
  EXPORT("spawnWait", js_spawn_wait);
  EXPORT("reply", js_reply);
  EXPORT("park", js_park);
  EXPORT("spawn", js_spawn);
  EXPORT("spawnExec", js_spawn_exec);
  EXPORT("reap", js_reap);
  EXPORT("shmPath", js_shm_path);
  EXPORT("kill", js_kill);
  EXPORT("tgkill", js_tgkill);
  EXPORT("readMem", js_read_mem);
  EXPORT("writeMem", js_write_mem);
  EXPORT("tscHz", js_tsc_hz);
  EXPORT("waitThreadGone", js_wait_thread_gone);
  EXPORT("monotonicNs", js_monotonic_ns);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
