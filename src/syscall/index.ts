// Builds the syscall dispatch table: every area module registers its handlers.
import type { Kernel } from '../kernel/kernel';
import { registerClone } from './clone';
import { registerExec } from './exec';
import { registerFd } from './fd';
import { registerFutex } from './futex';
import { registerIdentity } from './identity';
import { registerPassthrough } from './passthrough';
import { registerPidArgs } from './pid-args';
import { registerPidfd } from './pidfd';
import { registerProcess } from './process';
import { registerRandom } from './random';
import { registerSched } from './sched';
import { registerSignals } from './signal';
import { registerTime } from './time';
import { registerEpoll } from './epoll';
import { registerEventfd } from './eventfd';
import { registerIoctl } from './ioctl';
import { registerPipe } from './pipe';
import { registerPoll } from './poll';
import { registerSocket } from './socket';
import { registerTimerfd } from './timerfd';
import { registerWait } from './wait';

export function registerAllSyscalls(k: Kernel): void {
  registerTime(k);
  registerIdentity(k);
  registerRandom(k);
  registerFd(k);
  registerSched(k);
  registerProcess(k);
  registerPassthrough(k);
  registerPidArgs(k);
  registerPidfd(k);
  registerClone(k);
  registerFutex(k);
  registerWait(k);
  registerExec(k);
  registerSignals(k);
  registerPipe(k);
  registerEventfd(k);
  registerTimerfd(k);
  registerEpoll(k);
  registerPoll(k);
  registerIoctl(k);
  registerSocket(k);
}
