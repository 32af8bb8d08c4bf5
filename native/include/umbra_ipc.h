/* The one definition of the memory shared between the simulator and every
 * managed process, and of the protocol spoken over it. One region per
 * simulation (a memfd), mapped by the addon in the simulator and by the shim in
 * each managed process; fork children inherit the mapping. The addon exports
 * every offset and constant below to TypeScript, which never retypes them. */
#ifndef UMBRA_IPC_H
#define UMBRA_IPC_H

#include <stddef.h>
#include <stdint.h>

#define UMBRA_MAGIC 0x41524d55u /* "UMRA" */
/* Bump on any change to the layout or the meaning of a constant: the shim
 * refuses a region of another version, TypeScript an addon of another one. */
#define UMBRA_VERSION 11u

/* Exit status of a managed process whose shim found a region of another
 * protocol version (a stale build); it says so on its stderr first. */
#define UMBRA_EXIT_PROTOCOL_MISMATCH 86

/* Slot counts. The region is a sparse memfd: a page costs memory only once a
 * slot on it is used, so these bound address space (about 1.7 GiB, under the
 * 2 GiB that 32-bit offsets in TypeScript allow), not memory. They are above
 * what the kernel lets one machine run (pid_max, threads-max), which is the
 * limit a simulation meets first; past either, fork/clone fail with EAGAIN. */
#define UMBRA_MAX_HOSTS (1 << 20)
#define UMBRA_MAX_PROCS (1 << 17)
#define UMBRA_MAX_THREADS (1 << 18)
/* Emulated-fd bitmap covers fd numbers below this; larger fds always go to the simulator. */
#define UMBRA_FD_BITMAP_FDS 65536

/* Fixed fd at which a freshly spawned process finds the shared region; the shim closes it. */
#define UMBRA_SHM_FD 1023

/* Every managed process can write the whole region, so nothing in it may
 * steer the simulator or another process: the simulator validates what it
 * reads back, and settings a shim must trust reach it through its
 * environment (UMBRA_CHANNEL, UMBRA_HOSTS_FILE), read once at start-up. */

/* Simulated time 0 is 2000-01-01T00:00:00Z on the realtime clocks; monotonic
 * clocks read 1 s then (see MONOTONIC_BASE_SEC in src/core/time.ts). */
#define UMBRA_EPOCH_NS 946684800000000000ull
#define UMBRA_BOOT_NS 1000000000ull

/* ---- channel state word (futex) ---------------------------------------- */
/* Low byte: who owns the channel. Bits above: which side sleeps on the futex.
 * The shim never hands a consumed reply back (a store the simulator, spinning
 * on this word, would pay for on every call): the owner byte stays REPLY while
 * the thread runs, until its next request. */
#define UMBRA_CH_APP 0u     /* a fresh channel: no message yet */
#define UMBRA_CH_REQUEST 1u /* shim posted a message; simulator's turn */
#define UMBRA_CH_REPLY 2u   /* simulator posted a reply; shim's turn */
#define UMBRA_CH_OWNER_MASK 0xffu
#define UMBRA_CH_SIM_SLEEPING 0x100u
#define UMBRA_CH_SHIM_SLEEPING 0x200u
/* The simulator parked the request (the call blocks in simulated time): the
 * reply will not come soon, so the shim stops spinning and sleeps at once and
 * its CPU goes to the thread the simulator wakes next. Cleared by the reply. */
#define UMBRA_CH_PARKED 0x400u

/* ---- message kinds: shim -> simulator ----------------------------------- */
#define UMBRA_MSG_START 1       /* a new native thread attaches to this channel */
#define UMBRA_MSG_SYSCALL 2     /* nr + args */
#define UMBRA_MSG_CALL_RESULT 3 /* result of a simulator-requested native call (ret) */
#define UMBRA_MSG_PSEUDO 4      /* a pseudo-syscall of the shim itself (UMBRA_SYS_*): nr + args */
/* A path call the shim would run natively, sent instead because its host has
 * socket files namespaced per host (umbra_host.unix_ns_paths): nr + args; the
 * simulator answers DO_NATIVE, or COMPLETE after running it on the host's file. */
#define UMBRA_MSG_PATH 5

/* ---- message kinds: simulator -> shim ----------------------------------- */
#define UMBRA_MSG_COMPLETE 16    /* ret is the syscall's result */
#define UMBRA_MSG_DO_NATIVE 17   /* run the original syscall natively */
#define UMBRA_MSG_START_OK 18    /* answer to START; payload has AT_RANDOM bytes */
#define UMBRA_MSG_NATIVE_CALL 19 /* run nr+args natively now, reply CALL_RESULT */
#define UMBRA_MSG_PLACEHOLDER                                                                      \
  20 /* open a placeholder fd (args[0]=O_CLOEXEC or 0), reply CALL_RESULT */
#define UMBRA_MSG_CLONE                                                                            \
  21                             /* perform a native clone: args[0]=flags, args[1]=child stack,    \
                                    args[2]=tls, args[3]=child channel slot; reply CALL_RESULT */
#define UMBRA_MSG_EXIT_THREAD 22 /* the thread exits natively now (args[0]=status), no reply */
/* execve natively now, in place: args[0..2] = path, argv, envp in the process's
 * memory (the loader, with the new image's arguments); no reply, the new image
 * says START on its own channel. */
#define UMBRA_MSG_EXEC 23

/* Pseudo-syscalls (above the real range), always forwarded, and only ever as
 * UMBRA_MSG_PSEUDO: a program's own syscall(1005) arrives as UMBRA_MSG_SYSCALL
 * and gets ENOSYS, as on Linux. */
#define UMBRA_SYS_YIELD 1005     /* charge pending CPU latency, let the simulator reschedule */
#define UMBRA_SYS_SIGRETURN 1006 /* a handler returned: args[0] = mask to restore */
#define UMBRA_SYS_FAULT 1007     /* hardware fault: args[0] = signal, args[1] = siginfo address */

/* Reasons the shim reports in a YIELD's args[0]. */
#define UMBRA_YIELD_LATENCY 1
#define UMBRA_YIELD_PREEMPT 2
#define UMBRA_YIELD_SPIN 3 /* the spin rule's charge: apply all unapplied latency now */

/* The spin rule (native/shim/spin.h): a thread may read the clock this many
 * times at one simulated instant without blocking; each further read costs
 * UMBRA_SPIN_STEP_NS of simulated time, so a loop waiting for the clock ends. */
#define UMBRA_SPIN_FREE_READS 10000u
#define UMBRA_SPIN_STEP_NS 1000ull

/* Signals the shim uses natively (x86-64 Linux numbers). The program never
 * reaches the kernel's dispositions or masks for them: its own use is emulated. */
#define UMBRA_SIG_TRAP 31    /* SIGSYS: seccomp traps a syscall */
#define UMBRA_SIG_TSC 11     /* SIGSEGV: rdtsc/rdtscp fault (PR_SET_TSC), and real faults */
#define UMBRA_SIG_PREEMPT 26 /* SIGVTALRM: the native-preemption CPU timer */
#define UMBRA_SIG_BUS 7      /* SIGBUS, SIGILL, SIGFPE: faults reported to the simulator */
#define UMBRA_SIG_ILL 4
#define UMBRA_SIG_FPE 8
#define UMBRA_SIG_BIT(s) (1ull << ((s)-1))
#define UMBRA_SHIM_SIGNAL_MASK                                                                     \
  (UMBRA_SIG_BIT(UMBRA_SIG_TRAP) | UMBRA_SIG_BIT(UMBRA_SIG_TSC) |                                  \
   UMBRA_SIG_BIT(UMBRA_SIG_PREEMPT) | UMBRA_SIG_BIT(UMBRA_SIG_BUS) |                               \
   UMBRA_SIG_BIT(UMBRA_SIG_ILL) | UMBRA_SIG_BIT(UMBRA_SIG_FPE))

/* umbra_header.tsc_trap: what each shim's start-up self-test found, OR-ed
 * together. PR_SET_TSC can succeed on a VM without rdtsc faulting. */
#define UMBRA_TSC_TRAPPED 1u     /* rdtsc faulted into the shim: emulated */
#define UMBRA_TSC_NOT_TRAPPED 2u /* rdtsc ran natively: programs read the real TSC */

/* Staged memory (native/shim/stage.c, src/host/memory.ts): a forwarded call's
 * small buffers travel in its channel instead of through process_vm_readv/
 * writev. The shim fills a window per buffer: the program's address, its
 * length, where its bytes sit in `stage`, and whether the shim copied them in
 * (an output buffer is not read). The simulator reads and writes a buffer in
 * the stage when the access lies inside one window, records the range it
 * wrote (dirty_lo..dirty_hi, empty when equal) and the shim copies that range
 * back after COMPLETE or DO_NATIVE. Anything else reaches the process's memory. */
#define UMBRA_STAGE_WINDOWS 8
#define UMBRA_STAGE_BYTES 1472
#define UMBRA_STAGE_COPIED 1u /* flags: the stage holds the buffer's bytes as the call began */
typedef struct umbra_stage_window {
  uint64_t addr;
  uint32_t len;
  uint32_t off; /* in umbra_channel.stage */
  uint32_t flags;
  uint32_t dirty_lo; /* written by the simulator */
  uint32_t dirty_hi;
  uint32_t pad;
} umbra_stage_window;

typedef struct umbra_channel {
  /* The fields are grouped by cache line. Each call moves line 0 (the request,
   * then the answer's kind and state) and line 1 (the result) between the two
   * CPUs; a store by either side into any other line that the other side reads
   * on every call costs two more transfers per call, so the shim writes a
   * line-1 field only when its value changes. */
  /* line 0: the request */
  uint32_t state; /* futex word, see UMBRA_CH_* */
  uint32_t kind;  /* UMBRA_MSG_* of the message in the slot */
  int64_t nr;
  int64_t args[6];
  /* line 1: what every answer carries or checks */
  int64_t ret;
  /* Emulated signals. The blocked mask is the thread's emulated mask (bit n-1 =
   * signal n), read and written by both sides. A COMPLETE may carry a signal
   * to deliver on return: the shim runs `handler` with `siginfo`, the mask
   * `handler_mask` in force, then reports back with UMBRA_SYS_SIGRETURN. */
  uint32_t deliver_sig; /* 0: nothing to deliver */
  uint32_t stage_count; /* windows of this request (the shim stores it only when it changes) */
  uint64_t sig_blocked;
  uint32_t deliver_flags; /* UMBRA_DELIVER_* */
  int32_t host;           /* host index */
  int32_t proc;           /* process slot */
  int32_t native_tid;     /* filled by the shim in START */
  int32_t native_pid;
  int32_t vtid; /* virtual tid, filled by the simulator in START_OK */
  int32_t vpid;
  uint32_t line1_pad;
  uint64_t preempt_count; /* how often native preemption fired in this thread */
  /* line 2: start-up, the spin rule, the handler of a signal being delivered */
  uint8_t random[16]; /* AT_RANDOM replacement, START_OK */
  /* The spin rule: clock reads since the simulated time was spin_since_ns, with
   * no block in between. The shim counts; the simulator zeroes spin_reads when
   * the thread blocks. */
  uint64_t spin_since_ns;
  uint32_t spin_reads;
  uint32_t spin_pad;
  uint64_t handler;
  uint64_t handler_flags; /* sa_flags */
  uint64_t handler_mask;
  uint64_t line2_pad;
  /* lines 3-6: two stage windows per line; then the staged bytes from a line's start */
  umbra_stage_window stage_win[UMBRA_STAGE_WINDOWS];
  uint8_t stage[UMBRA_STAGE_BYTES];
  uint8_t siginfo[128];
} umbra_channel;

/* deliver_flags */
#define UMBRA_DELIVER_RESTART 1 /* re-issue the interrupted syscall after the handler */
#define UMBRA_DELIVER_DIE 2     /* die of deliver_sig natively (default action of a fault) */

/* The two filter bits of a last component whose FNV-1a hash is h (see umbra_host.unix_ns_names). */
#define UMBRA_NS_NAME_BIT0(h) ((h)&127u)
#define UMBRA_NS_NAME_BIT1(h) (((h) >> 7) & 127u)

typedef struct umbra_host {
  /* Live: simulated ns since the simulation start. Written by the simulator before a
   * thread resumes; the shim may advance it (CPU-latency model) up to max_runahead_ns. */
  uint64_t sim_time_ns;
  uint64_t max_runahead_ns;
  uint64_t unapplied_latency_ns;
  /* Written once. */
  uint32_t model_unblocked_syscall_latency;
  uint32_t host_id;
  uint64_t unblocked_syscall_latency_ns;
  uint64_t unblocked_vdso_latency_ns;
  uint64_t max_unapplied_latency_ns;
  /* Live, written by the simulator: Unix time in ns of simulated time 0 on this host's
   * realtime clocks (the start date, moved by scheduled clock jumps). Monotonic clocks
   * and the TSC never use it. */
  int64_t realtime_base_ns;
  /* Live: the host's seeded generator (xoshiro128++, src/host/rng.ts and
   * native/shim/random.c), advanced by the simulator for every draw it makes
   * and by the shim for getrandom, one thread at a time, so all draws of a host
   * form one stream in simulated order. A program can rewrite it: that spoils
   * only its own host's randomness (never the simulator's state). */
  uint32_t rng_state[4];
  /* Live, written by the simulator: how many socket paths outside the host's
   * directory this host has bound (src/net/unix-paths.ts), and a Bloom filter
   * of their last components (bits FNV-1a % 128 and (FNV-1a >> 7) % 128 of its
   * bytes, UMBRA_NS_NAME_BIT). While the count is 0, or a path call's last
   * components miss the filter, the shim runs the call natively; otherwise it
   * sends it as UMBRA_MSG_PATH. A program that rewrites them only changes
   * which file its own host's calls see. */
  uint32_t unix_ns_paths;
  uint32_t unix_ns_pad;
  uint64_t unix_ns_names[2];
  uint8_t pad[128 - 8 * 7 - 4 * 2 - 4 * 4 - 4 * 2 - 8 * 2];
} umbra_host;

typedef struct umbra_process {
  int32_t native_pid;
  int32_t vpid;
  uint32_t in_use;
  uint32_t pad0;
  uint8_t pad[64 - 16];
  /* bit set = that fd number is an emulated object owned by the simulator */
  uint8_t emulated_fds[UMBRA_FD_BITMAP_FDS / 8];
} umbra_process;

typedef struct umbra_header {
  uint32_t magic;
  uint32_t version;
  uint64_t total_size;
  uint64_t tsc_hz;
  uint32_t preempt_enabled;
  uint32_t preempt_native_interval_us;
  uint64_t preempt_sim_interval_ns;
  uint32_t tsc_trap; /* UMBRA_TSC_* bits, written by the shims */
  /* Live, written by the simulator: 1 while the machine has a CPU for each
   * runnable thread, so that spinning for the other side's answer can pay;
   * 0 when it is oversubscribed and both sides go straight to the futex.
   * A program that scribbles on it changes only how fast the hand-off is. */
  uint32_t spin_ok;
  uint8_t pad[4096 - 8 * 4 - 4 * 2 - 4 * 2];
} umbra_header;

/* Layout of the whole region. */
#define UMBRA_OFF_HEADER 0ull
#define UMBRA_OFF_HOSTS ((uint64_t)sizeof(umbra_header))
#define UMBRA_OFF_PROCS (UMBRA_OFF_HOSTS + (uint64_t)UMBRA_MAX_HOSTS * sizeof(umbra_host))
#define UMBRA_OFF_CHANNELS (UMBRA_OFF_PROCS + (uint64_t)UMBRA_MAX_PROCS * sizeof(umbra_process))
#define UMBRA_SHM_SIZE (UMBRA_OFF_CHANNELS + (uint64_t)UMBRA_MAX_THREADS * sizeof(umbra_channel))

_Static_assert(sizeof(umbra_channel) == 2048, "channel size");
_Static_assert(offsetof(umbra_channel, ret) == 64, "line 1 starts at ret");
_Static_assert(offsetof(umbra_channel, random) == 128, "line 1 is whole");
_Static_assert(offsetof(umbra_channel, stage_win) == 192 &&
                   offsetof(umbra_channel, stage) % 64 == 0,
               "stage windows and bytes start lines");
_Static_assert(sizeof(umbra_stage_window) == 32, "stage window size");
_Static_assert(sizeof(umbra_host) == 128, "host size");
_Static_assert(sizeof(umbra_header) == 4096, "header size");
_Static_assert(sizeof(umbra_process) % 64 == 0, "process size");

#endif
