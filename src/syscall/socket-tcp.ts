// sendfile(2), whose only simulated output is a TCP socket: the handler lives
// with the other socket handlers (socket.ts); index.ts registers it from here.
import type { Kernel } from '../kernel/kernel';
import { SYS } from '../abi/syscalls';
import { sendfile } from './socket';

export function registerTcp(k: Kernel): void {
  k.register(SYS.sendfile, sendfile);
}
