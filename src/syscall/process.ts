// Process-level syscalls: exits and process control (prctl). Signals between
// processes are in signal.ts.
import { E } from '../abi/errno';
import { isValidSignal } from '../abi/signals';
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';

const PR_SET_PDEATHSIG = 1,
  PR_GET_PDEATHSIG = 2,
  PR_SET_SECCOMP = 22,
  PR_SET_TSC = 26,
  PR_SET_NO_NEW_PRIVS = 38;

const RSEQ_FLAG_UNREGISTER = 1;
/** Smallest struct rseq (ORIG_RSEQ_SIZE). */
const RSEQ_MIN_BYTES = 32;

function prctl(c: SyscallCall): Outcome {
  const p = c.t.process;
  switch (c.int(0)) {
    case PR_SET_SECCOMP:
    case PR_SET_TSC:
      return c.err(E.EINVAL); // would undo the shim's own traps
    case PR_SET_PDEATHSIG: {
      const sig = c.u64(1);
      if (sig !== 0 && !isValidSignal(sig)) return c.err(E.EINVAL);
      p.pdeathSignal = sig;
      return c.ok(0);
    }
    case PR_GET_PDEATHSIG:
      return c.k.mem.writeI32(p.nativePid, c.ptr(1), p.pdeathSignal) ? c.ok(0) : c.err(E.EFAULT);
    case PR_SET_NO_NEW_PRIVS:
      return c.ok(0);
    default:
      return c.native();
  }
}

function exitGroup(c: SyscallCall): Outcome {
  c.k.exitProcess(c.t);
  return c.deferred();
}

/** exit ends the thread; the last thread's exit ends the process. */
function exitThread(c: SyscallCall): Outcome {
  if (c.t.process.liveThreads().length <= 1) c.k.exitProcess(c.t);
  else c.k.exitThread(c.t);
  return c.deferred();
}

/**
 * Restartable sequences: accepted without effect (threads only switch at
 * syscalls, so a sequence is never interrupted); the area says CPU 0.
 */
function rseq(c: SyscallCall): Outcome {
  const area = c.ptr(0),
    len = c.u32(1),
    flags = c.int(2);
  if ((flags & ~RSEQ_FLAG_UNREGISTER) !== 0) return c.err(E.EINVAL);
  if ((flags & RSEQ_FLAG_UNREGISTER) !== 0) return c.ok(0);
  if (area === 0 || len < RSEQ_MIN_BYTES) return c.err(E.EINVAL);
  const m = c.k.mem;
  const pid = c.t.process.nativePid;
  // cpu_id_start and cpu_id.
  if (!m.writeU32(pid, area, 0) || !m.writeU32(pid, area + 4, 0)) return c.err(E.EFAULT);
  return c.ok(0);
}

function setRobustList(c: SyscallCall): Outcome {
  c.t.robustListAddr = c.ptr(0);
  return c.ok(0);
}

export function registerProcess(k: Kernel): void {
  k.register(SYS.exit_group, exitGroup);
  k.register(SYS.exit, exitThread);
  k.register(SYS.prctl, prctl);
  k.register(SYS.rseq, rseq);
  k.register(SYS.set_robust_list, setRobustList);
}
