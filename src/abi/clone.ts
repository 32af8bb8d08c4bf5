// Linux clone(2)/clone3(2) flags (<linux/sched.h>). The low byte of clone's
// flags (CSIGNAL) is the signal sent to the parent when the child ends.

export const CSIGNAL = 0xff,
  CLONE_VM = 0x100,
  CLONE_FS = 0x200,
  CLONE_FILES = 0x400,
  CLONE_SIGHAND = 0x800,
  CLONE_PIDFD = 0x1000,
  CLONE_PTRACE = 0x2000,
  CLONE_VFORK = 0x4000,
  CLONE_PARENT = 0x8000,
  CLONE_THREAD = 0x10000,
  CLONE_NEWNS = 0x20000,
  CLONE_SYSVSEM = 0x40000,
  CLONE_SETTLS = 0x80000,
  CLONE_PARENT_SETTID = 0x100000,
  CLONE_CHILD_CLEARTID = 0x200000,
  CLONE_DETACHED = 0x400000,
  CLONE_UNTRACED = 0x800000,
  CLONE_CHILD_SETTID = 0x1000000;

/** clone3-only flags: bits 32 and up of clone_args.flags. */
export const CLONE_CLEAR_SIGHAND = 0x100000000,
  CLONE_INTO_CGROUP = 0x200000000;

/** Smallest struct clone_args clone3 accepts (CLONE_ARGS_SIZE_VER0), and the one with every field we read. */
export const CLONE_ARGS_SIZE_VER0 = 64;
