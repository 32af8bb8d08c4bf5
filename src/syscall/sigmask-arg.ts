// The temporary signal mask argument of epoll_pwait/epoll_pwait2, ppoll and
// pselect6: checked as Linux's set_user_sigmask does, in force while the call
// waits (as rt_sigsuspend's), and taken back when the call ends without a signal.
import { E } from '../abi/errno';
import { Outcome, type SyscallCall } from '../kernel/call';
import { endTemporaryMask, suspendWithMask } from '../kernel/signals';

const SIGSET_BYTES = 8;

/** 0 when the mask argument is absent or readable with the right size; -EINVAL or -EFAULT otherwise. */
export function checkSigmaskArg(c: SyscallCall, maskAddr: number, sizeBytes: number): number {
  if (maskAddr === 0) return 0;
  if (sizeBytes !== SIGSET_BYTES) return -E.EINVAL;
  return c.k.mem.read(c.t.process.nativePid, maskAddr, SIGSET_BYTES) === SIGSET_BYTES ? 0 : -E.EFAULT;
}

/**
 * Puts the mask at maskAddr (already checked) in force for the wait, on the
 * call's first run. A signal it lets through ends the wait with EINTR, and the
 * handler's return restores the old mask (kernel/signals.ts, as rt_sigsuspend).
 */
export function applySigmaskArg(c: SyscallCall, maskAddr: number): void {
  if (maskAddr === 0 || !c.firstRun) return;
  const { k, t } = c;
  if (k.mem.read(t.process.nativePid, maskAddr, SIGSET_BYTES) !== SIGSET_BYTES) return;
  const dv = k.mem.view();
  suspendWithMask(k, t, dv.getUint32(0, true), dv.getUint32(4, true));
}

/** Passes `o` through; a call that ends (not parked) has its old mask back. */
export function settleSigmask(c: SyscallCall, o: Outcome): Outcome {
  if (o !== Outcome.Blocked) endTemporaryMask(c.k, c.t);
  return o;
}
