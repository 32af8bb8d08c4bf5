// Linux constants of the calls that name a process by pid: scheduling
// policies, priority targets (getpriority, ioprio), pidfd and capability headers.

/** sched_setscheduler policies. */
export const SCHED_OTHER = 0,
  SCHED_FIFO = 1,
  SCHED_RR = 2,
  SCHED_BATCH = 3,
  SCHED_IDLE = 5,
  SCHED_DEADLINE = 6;
/** sched_setscheduler flag: reset the policy on fork. */
export const SCHED_RESET_ON_FORK = 0x40000000;
/** Real-time priorities run from 1 to 99. */
export const SCHED_RT_PRIO_MAX = 99;

/** struct sched_attr: size (u32), then sched_policy (u32). */
export const SCHED_ATTR_POLICY_OFF = 4;

/** getpriority/setpriority `which`. */
export const PRIO_PROCESS = 0,
  PRIO_PGRP = 1,
  PRIO_USER = 2;

/** ioprio_get/ioprio_set `which`. */
export const IOPRIO_WHO_PROCESS = 1,
  IOPRIO_WHO_PGRP = 2,
  IOPRIO_WHO_USER = 3;

/** pidfd_open flags. */
export const PIDFD_NONBLOCK = 0o4000;

/** struct __user_cap_header_struct: version (u32) then pid (int). */
export const CAP_HEADER_PID_OFF = 4;

/** sizeof(struct robust_list_head) on x86-64: get_robust_list reports it as the length. */
export const ROBUST_LIST_HEAD_BYTES = 24;

/** Namespace flags of unshare/clone (CLONE_NEWNS .. CLONE_NEWNET, CLONE_NEWTIME). */
export const CLONE_NEW_ANY =
  0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080;
