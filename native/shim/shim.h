/* Internal declarations shared by the shim's translation units.
 * The shim is loaded into every managed process; nothing here may call a libc
 * function that makes a syscall: all syscalls go through umbra_raw_syscall. */
#ifndef UMBRA_SHIM_H
#define UMBRA_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/syscall.h>

#include "../include/umbra_ipc.h"

/* raw.c: the only syscall instructions of the shim live in section umbra_raw,
 * run from a copy at a fixed address (the range the seccomp filter allows). */
#define UMBRA_RAW_PAGE 0x7dffffff0000ul
#define UMBRA_RAW_PAGE_BYTES 4096ul
typedef long (*umbra_raw_fn)(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern umbra_raw_fn shim_raw;
static inline long umbra_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
                                     long a6) {
  return shim_raw(nr, a1, a2, a3, a4, a5, a6);
}
/* After an in-place execve of a dynamic program: the program's file name, left by the loader. */
#define UMBRA_HANDOFF_PAGE (UMBRA_RAW_PAGE + UMBRA_RAW_PAGE_BYTES)
/* UMBRA_CHANNEL is "<slot>[,l][,x]": its slot, and whether it carries `flag`. */
long shim_channel_slot(const char *channel);
int shim_channel_flag(const char *channel, char flag);

/* The kernel's struct for rt_sigaction (the shim's handlers, the loader's pass-through). */
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
struct ksigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};
/* Maps (or finds) the raw page; every syscall after it runs from there. */
void shim_raw_setup(void);
void umbra_restore_rt(void);
long umbra_clone_thread(long flags, void *stack, long tls);
void umbra_resume_regs(const uint64_t *gregs) __attribute__((noreturn));

/* What a new thread finds on its stack: the parent's trapped registers
 * (ucontext gregs order, 18 words) and its channel slot. */
struct thread_start {
  uint64_t gregs[18];
  uint64_t slot;
  uint64_t pad;
};
/* Entry of a new native thread, on its own stack (dispatch.c). */
void umbra_thread_child(struct thread_start *ts);
extern char __start_umbra_raw[];
extern char __stop_umbra_raw[];

#define RAW0(nr) umbra_raw_syscall((nr), 0, 0, 0, 0, 0, 0)
#define RAW1(nr, a) umbra_raw_syscall((nr), (long)(a), 0, 0, 0, 0, 0)
#define RAW2(nr, a, b) umbra_raw_syscall((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define RAW3(nr, a, b, c) umbra_raw_syscall((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RAW4(nr, a, b, c, d)                                                                       \
  umbra_raw_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RAW6(nr, a, b, c, d, e, f)                                                                 \
  umbra_raw_syscall((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* Global state of this process's shim. */
extern uint8_t *shim_shm;         /* the simulation's shared region */
extern umbra_header *shim_header; /* shared: only tsc_trap is written through it */
/* The header as it was at start-up, in private memory: what the shim reads of
 * it (tsc_hz, preemption settings) no other process can change afterwards. */
extern umbra_header shim_config;
extern umbra_host *shim_host;       /* this process's host: its live clock */
extern umbra_host shim_host_config; /* its written-once latency settings, copied at start-up */
extern umbra_process *shim_proc;    /* this process's slot */
/* Per-thread state of the shim. It is found through %gs, whose base the shim
 * sets for every thread it starts and which neither glibc nor Go use on
 * x86-64: the program's own thread pointer (%fs) may be shared, a dummy, or not
 * set up yet (raw clone(), static binaries), and the shim must not depend on
 * it. Offset 0 holds the struct's own address, so one %gs load finds it. */
enum { SHIM_CTX_APP = 0, SHIM_CTX_SHIM = 1 };
#define SHIM_MAX_HANDLER_DEPTH 8
struct shim_thread {
  struct shim_thread *self;
  umbra_channel *channel; /* this thread's channel, NULL before attach */
  void *trap_uc;          /* ucontext of the syscall trapped by SIGSYS, or NULL */
  volatile int context;   /* SHIM_CTX_*, see shim_enter() */
  int tid;                /* native tid of the owner, for reuse of the struct */
  /* preempt.c */
  int timer_state;       /* 0 = none yet, 1 = running, -1 = failed */
  int quiet_ticks;       /* consecutive ticks without an answer */
  unsigned long returns; /* answers received from the simulator */
  unsigned long seen_returns;
  volatile unsigned long tsc_emulated; /* time.c: rdtsc faults emulated */
  /* The program's alternate signal stack (emulated: the native one is the shim's). */
  uint64_t alt_sp;
  uint64_t alt_size;
  int alt_flags; /* as Linux keeps sas_ss_flags: mode plus SS_AUTODISARM */
  int pad0;
  /* The shim's own stack for its native signal handlers (SA_ONSTACK), right after this struct. */
  uint64_t stack_lo, stack_hi;
  /* The program's handlers running now, innermost last: the stack range each
   * runs in. One that longjmp()ed out is found gone by shim_stack_recover(). */
  int handler_depth;
  int pad1;
  uint64_t handler_lo[SHIM_MAX_HANDLER_DEPTH], handler_hi[SHIM_MAX_HANDLER_DEPTH];
  uint64_t
      handler_mark[SHIM_MAX_HANDLER_DEPTH]; /* 0: none (the handler runs on the shim's frame) */
  uint64_t deliveries;
};
#define SHIM_THREAD_MAP_BYTES (64u * 1024u)

/* Set once the first thread's %gs points at its struct; before that (and in
 * a process umbra did not start) every thread sees shim_boot_thread. */
extern int shim_gs_ready;
extern struct shim_thread shim_boot_thread;
static inline struct shim_thread *shim_self(void) {
  struct shim_thread *t;
  if (__builtin_expect(!shim_gs_ready, 0)) return &shim_boot_thread;
  __asm__ volatile("movq %%gs:0, %0" : "=r"(t));
  return t;
}
/* The names the shim's code used when these were %fs thread-locals. */
#define shim_channel (shim_self()->channel)
#define shim_trap_uc (shim_self()->trap_uc)
#define shim_context (shim_self()->context)

/* Gives the calling thread its state (reusing the one this channel slot had
 * in this process when its owner is gone) and points %gs at it. */
struct shim_thread *shim_thread_setup(long slot);
void shim_thread_forked(long slot);
/* Called by a SIGSYS that found the shim's stack disarmed (uc_stack empty). */
void shim_stack_recover(void *uc);
/* Forgets the program handlers the shim called that are gone (longjmp) as seen at sp;
 * returns 1 when one is still running there. */
int shim_handlers_prune(struct shim_thread *t, uint64_t sp);
/* The program's alternate signal stack: whether sp is on it and setting it
 * (0 or -errno). */
int shim_alt_on(const struct shim_thread *t, uint64_t sp);
long shim_alt_set(struct shim_thread *t, uint64_t sp, const stack_t *ss);
/* Calls fn(a0, a1, a2) with the stack pointer at `top` (16-byte aligned). */
void umbra_call_on_stack(void *fn, long a0, long a1, long a2, uint64_t top);

/* Execution context of this thread: application code or shim code. Preemption
 * only fires in application context and a fault in shim context is the shim's
 * own, so every entry into the shim (signal handler, interposed function,
 * thread start) calls shim_enter() first and shim_leave() with its result
 * last. A signal may land inside the shim: restoring the saved value, rather
 * than clearing it, keeps the outer entry in shim context. */
static inline int shim_set_context(int ctx) {
  struct shim_thread *t = shim_self();
  int prev = t->context;
  t->context = ctx;
  /* Keep shim work from being moved across the switch, as seen by a handler on this thread. */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  return prev;
}
static inline int shim_enter(void) {
  return shim_set_context(SHIM_CTX_SHIM);
}
static inline void shim_leave(int prev) {
  shim_set_context(prev);
}

umbra_channel *shim_channel_at(long slot);

/* channel.c: transport only */
void channel_send(umbra_channel *ch);
void channel_wait_reply(umbra_channel *ch);

/* dispatch.c: acting on the simulator's answers */
void shim_attach_thread(umbra_channel *ch);
/* Forwards as UMBRA_MSG_SYSCALL (a program's syscall) or UMBRA_MSG_PSEUDO (the shim's own). */
long shim_forward_kind(uint32_t kind, long nr, const long args[6]);
static inline long shim_forward(long nr, const long args[6]) {
  return shim_forward_kind(UMBRA_MSG_SYSCALL, nr, args);
}
static inline long shim_forward_pseudo(long nr, const long args[6]) {
  return shim_forward_kind(UMBRA_MSG_PSEUDO, nr, args);
}

/* time.c */
uint64_t shim_now_ns(void);       /* emulated ns since the Unix epoch */
uint64_t shim_monotonic_ns(void); /* what CLOCK_MONOTONIC reads */
void shim_charge_latency(uint64_t ns);
void shim_patch_vdso(void);
int shim_handle_time_syscall(long nr, const long args[6], long *ret);
void shim_sigsegv_handler(int sig, void *info, void *uc);
uint32_t shim_tsc_self_test(void); /* UMBRA_TSC_*; after PR_SET_TSC and the SIGSEGV handler */

/* signal.c: emulated signals delivered on return from the simulator */
long shim_deliver(umbra_channel *ch, uint32_t kind, long nr, const long args[6], long ret);
void shim_fault_handler(int sig, void *info, void *uc);
void shim_fault(int sig, void *info, void *uc, int outer_ctx);
long shim_sigaltstack(const void *ss, void *old_ss); /* emulated, per thread */

/* preempt.c: native preemption (signal UMBRA_SIG_PREEMPT) */
long shim_thread_timer(long clock, int sig, int *id);
void shim_preempt_arm(void);
void shim_preempt_forget_timer(void);
void shim_preempt_handler(int sig, siginfo_t *info, void *uc);

/* random.c: getrandom from the host's seeded stream in the shared region */
long shim_getrandom(const long args[6]);

/* at.c: the *at calls that act on their dirfd itself. Numbers newer than the system headers: */
#define UMBRA_NR_FCHMODAT2 452
#define UMBRA_NR_SETXATTRAT 463
#define UMBRA_NR_GETXATTRAT 464
#define UMBRA_NR_LISTXATTRAT 465
#define UMBRA_NR_REMOVEXATTRAT 466
#define UMBRA_NR_FILE_GETATTR 468
#define UMBRA_NR_FILE_SETATTR 469
int shim_at_on_emulated_fd(long nr, const long args[6]);

/* exe.c: /proc/self/exe of a static program run by umbra's loader, which sets the path (NULL
 * in a dynamic program). Returns 1 with *ret set when it answered a readlink or readlinkat. */
extern const char *shim_exe_path;
int shim_exe_readlink(long nr, const long a[6], long *ret);
int shim_names_own_exe(const char *path); /* "/proc/self/exe", "/proc/thread-self/exe" */
/* shim.c: every syscall of managed code, trapped or from a libc wrapper */
long shim_syscall(long nr, const long a[6]);

/* stage.c: a forwarded call's small buffers carried in its channel */
void shim_stage(umbra_channel *ch, long nr, const long a[6]);
void shim_unstage(umbra_channel *ch);
/* In a fault handler: a fault inside the stage's guarded copy returns -1 from
 * it instead (1: handled). */
int shim_copy_fault_fixup(void *uc);

/* libc.c: the libc wrappers that skip the trap (use_preload_libc) */
void shim_libc_init(int enabled);

/* seccomp.c */
void shim_install_filter(void);

/* util */
void shim_die(const char *msg) __attribute__((noreturn));
void shim_exit(int status) __attribute__((noreturn));
void shim_log(const char *msg);
void shim_log_u64(uint64_t v);
size_t shim_strlen(const char *s);
int shim_streq(const char *a, const char *b);

#endif
