// The temporary signal mask argument of epoll_pwait/epoll_pwait2, ppoll and
// pselect6, checked as Linux's set_user_sigmask does. The mask itself is not
// applied during the wait yet.
import { E } from '../abi/errno';
import type { SyscallCall } from '../kernel/call';

const SIGSET_BYTES = 8;

/** 0 when the mask argument is absent or readable with the right size; -EINVAL or -EFAULT otherwise. */
export function checkSigmaskArg(c: SyscallCall, maskAddr: number, sizeBytes: number): number {
  if (maskAddr === 0) return 0;
  if (sizeBytes !== SIGSET_BYTES) return -E.EINVAL;
  return c.k.mem.read(c.t.process.nativePid, maskAddr, SIGSET_BYTES) === SIGSET_BYTES ? 0 : -E.EFAULT;
}
