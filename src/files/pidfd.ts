// A pidfd: a descriptor naming one simulated process. It reads as nothing
// (EINVAL) and polls readable once the process has exited, as Linux's does;
// pidfd_send_signal and waitid(P_PIDFD) find their target through it.
import type { Process } from '../host/process';
import { EPOLLHUP, EPOLLIN } from '../abi/epoll';
import { Watchers } from '../core/watchers';
import type { SimFile } from './file';

export class PidFile implements SimFile {
  readonly kind = 'pidfd';
  refs = 0;
  statusFlags = 0;
  readonly statMode = 0o600; // anonymous inode: no file type bits, like Linux
  /** Notified when the target ends (the exit hook calls processEnded). */
  readonly watchers = new Watchers();

  constructor(readonly target: Process) {}

  /** EPOLLIN once the process has exited; EPOLLHUP too once it has been reaped (Linux's pidfd_poll). */
  poll(): number {
    if (this.target.state === 'running') return 0;
    return this.target.reaped ? EPOLLIN | EPOLLHUP : EPOLLIN;
  }

  processEnded(): void {
    this.watchers.notify();
  }

  release(): void {
    // Nothing to free: the target's record outlives its pidfds.
  }
}
