// What the kernel keeps for its sockets (Kernel.net): the simulated Internet,
// where each host's NetworkStack is found, and the scratch space socket calls
// reuse so the hot path allocates nothing (handlers run one at a time).
import { assert } from '../../core/assert';
import type { Kernel } from '../../kernel/kernel';
import type { Internet } from '../internet';
import type { NetworkStack } from '../stack';
import { SockAddr } from './address';
import { IoProgress, UserMsg } from './message';
import { OptValue } from './option';

/** Staging between process memory and TCP's buffers: one copy each way, in chunks of this size. */
export const STAGE_BYTES = 1 << 20;
/** Room for the largest option value a getsockopt returns (struct tcp_info: 248 bytes). */
const OPT_OUT_BYTES = 256;

export class SocketLayer {
  /** The message of the socket syscall being handled. */
  readonly msg = new UserMsg();
  /** The message of a read/write/readv/writev on a socket (fd.ts reaches the socket directly). */
  readonly fileMsg = new UserMsg();
  /** sendfile's progress across restarts. */
  readonly progress = new IoProgress();
  /** An address a call returns (getsockname, getpeername, accept). */
  readonly addr = new SockAddr();
  /** The setsockopt value being handled. */
  readonly opt = new OptValue();
  /** Where a getsockopt value is built before it is copied out. */
  readonly optOut: DataView;
  readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private readonly optOutBuf = Buffer.alloc(OPT_OUT_BYTES);

  constructor(readonly internet: Internet) {
    this.optOut = new DataView(this.optOutBuf.buffer, this.optOutBuf.byteOffset, OPT_OUT_BYTES);
  }

  /** The bytes getsockopt built in optOut. */
  get optOutBytes(): Buffer {
    return this.optOutBuf;
  }

  stack(hostId: number): NetworkStack {
    return this.internet.stack(hostId);
  }
}

/** The kernel's socket layer; socket calls cannot happen before the network is attached. */
export function layerOf(k: Kernel): SocketLayer {
  const net = k.net;
  assert(net !== null, 'socket call before the network was attached');
  return net;
}
