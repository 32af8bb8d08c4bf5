// Syscalls that reach the simulator and are answered natively on purpose, or
// refused. Each native entry says why the real kernel's answer is the
// simulated one; each refusal why the call would reach outside the simulation.
// (The shim's routing table, native/shim/shim.c, runs most native calls
// without a round trip; the audit of both lists is in docs/architecture.md.)
import { E } from '../abi/errno';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { MONOTONIC_BASE_SEC, NS_PER_SEC } from '../core/time';

const NATIVE_OK: ReadonlyArray<readonly [number, string]> = [
  [SYS.madvise, 'memory hints: the process memory is real'],
  [SYS.personality, 'execution domain of the native process'],
  [SYS.getrusage, 'resource usage of native work (CPU use is not simulated)'],
  [SYS.mknod, 'paths: the real file system is the simulated one'],
  [SYS.mknodat, 'paths: the real file system is the simulated one'],
  [SYS.chroot, 'paths: the real file system is the simulated one; per native process'],
  [SYS.pkey_alloc, 'memory protection keys of the native process'],
  [SYS.pkey_free, 'memory protection keys of the native process'],
];

/**
 * Calls that act on the machine rather than on the process: as root (umbra
 * may run so) they would really mount, reboot or load modules. Each gets the
 * errno Linux gives a caller without the capability.
 */
const REFUSED: ReadonlyArray<readonly [number, number, string]> = [
  [SYS.ptrace, E.EPERM, 'tracing fights the shim for the seccomp traps; pids are virtual'],
  [SYS.reboot, E.EPERM, 'the machine, not the simulated host'],
  [SYS.kexec_load, E.EPERM, 'the machine'],
  [SYS.kexec_file_load, E.EPERM, 'the machine'],
  [SYS.init_module, E.EPERM, 'kernel modules'],
  [SYS.finit_module, E.EPERM, 'kernel modules'],
  [SYS.delete_module, E.EPERM, 'kernel modules'],
  [SYS.mount, E.EPERM, 'mounts are shared by every simulated host'],
  [SYS.umount2, E.EPERM, 'mounts'],
  [SYS.pivot_root, E.EPERM, 'mounts'],
  [SYS.mount_setattr, E.EPERM, 'mounts'],
  [SYS.fsopen, E.EPERM, 'mounts'],
  [SYS.fsmount, E.EPERM, 'mounts'],
  [SYS.fsconfig, E.EPERM, 'mounts'],
  [SYS.fspick, E.EPERM, 'mounts'],
  [SYS.move_mount, E.EPERM, 'mounts'],
  [SYS.swapon, E.EPERM, 'the machine'],
  [SYS.swapoff, E.EPERM, 'the machine'],
  [SYS.setns, E.EPERM, 'namespaces take the process out of the simulated host'],
  [SYS.sethostname, E.EPERM, 'the simulated host name comes from the configuration'],
  [SYS.setdomainname, E.EPERM, 'the simulated host name comes from the configuration'],
  [SYS.settimeofday, E.EPERM, 'time is simulated'],
  [SYS.clock_settime, E.EPERM, 'time is simulated'],
  [SYS.acct, E.EPERM, 'the machine'],
  [SYS.syslog, E.EPERM, 'the machine (dmesg_restrict)'],
  [SYS.vhangup, E.EPERM, 'the terminal of the machine'],
  [SYS.iopl, E.EPERM, 'hardware I/O ports'],
  [SYS.ioperm, E.EPERM, 'hardware I/O ports'],
  [SYS.bpf, E.EPERM, 'kernel programs see real pids and packets (unprivileged_bpf_disabled)'],
  [SYS.perf_event_open, E.EACCES, 'real pids and CPUs (perf_event_paranoid, as on Debian)'],
  [SYS.fanotify_init, E.EPERM, 'watches the whole machine'],
  [SYS.open_by_handle_at, E.EPERM, 'bypasses path permissions (CAP_DAC_READ_SEARCH)'],
];

function passThrough(c: SyscallCall): Outcome {
  return c.native();
}

/** USER_HZ: times() counts clock ticks of 10 ms. */
const NS_PER_CLOCK_TICK = NS_PER_SEC / 100;

/**
 * times(buf): the CPU times of native work (not simulated), and as the result
 * the simulated monotonic clock in ticks, not the machine's uptime.
 */
function times(c: SyscallCall): Outcome {
  const r = c.k.nativeCall(c.t, SYS.times, c.ptr(0));
  if (r < 0 && r > -4096) return c.result(r);
  return c.ok(Math.floor((MONOTONIC_BASE_SEC * NS_PER_SEC + c.k.now) / NS_PER_CLOCK_TICK));
}

export function registerPassthrough(k: Kernel): void {
  for (const [nr] of NATIVE_OK) k.register(nr, passThrough);
  for (const [nr, errno] of REFUSED) k.register(nr, (c) => c.err(errno));
  k.register(SYS.times, times);
}
