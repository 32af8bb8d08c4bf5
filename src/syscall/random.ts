// getrandom: bytes from the host's seeded generator (the random devices are
// in files/random-device.ts). The shim answers getrandom itself from the same
// stream (native/shim/random.c), so this handler serves only a call that
// reaches the simulator anyway (the fake kernel of the unit tests).
import type { Kernel } from '../kernel/kernel';
import type { Outcome, SyscallCall } from '../kernel/call';
import { SYS } from '../abi/syscalls';
import { fillRandom } from '../files/random-device';

// Still imported from here by fd.ts.

/** getrandom(buf, buflen, flags): the generator never runs dry, so the flags change nothing. */
function getrandom(c: SyscallCall): Outcome {
  return c.result(fillRandom(c.k, c.t, c.ptr(0), c.u64(1)));
}

export function registerRandom(k: Kernel): void {
  k.register(SYS.getrandom, getrandom);
}
