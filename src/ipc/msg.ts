// System V message queues: typed messages in arrival order, the byte limit
// that makes senders wait, and the type selection of msgrcv.
import { MSG_EXCEPT } from '../abi/sysv';
import { Watchers } from '../core/watchers';
import type { IpcObject, IpcPerm } from './namespace';

export interface Message {
  readonly type: number;
  readonly data: Buffer;
}

export class MsgQueue implements IpcObject {
  removed = false;
  readonly messages: Message[] = [];
  cbytes = 0;
  stimeSec = 0;
  rtimeSec = 0;
  lspid = 0;
  lrpid = 0;
  /** Notified when a message arrives, leaves, the limit changes or the queue goes away. */
  readonly changed = new Watchers();

  constructor(
    readonly id: number,
    readonly perm: IpcPerm,
    public qbytes: number,
    public ctimeSec: number,
  ) {}

  /** Whether a message of sizeBytes fits now (Linux also counts messages against the byte limit). */
  fits(sizeBytes: number): boolean {
    return this.cbytes + sizeBytes <= this.qbytes && this.messages.length + 1 <= this.qbytes;
  }

  push(m: Message): void {
    this.messages.push(m);
    this.cbytes += m.data.length;
  }

  /** Index of the message msgrcv(type, flags) takes, or -1. */
  select(type: number, flags: number): number {
    const ms = this.messages;
    if (type === 0) return ms.length > 0 ? 0 : -1;
    if (type > 0) {
      const except = (flags & MSG_EXCEPT) !== 0;
      for (let i = 0; i < ms.length; i++) if ((ms[i].type === type) !== except) return i;
      return -1;
    }
    // Negative: the lowest type not above |type|, the oldest among equals.
    let best = -1;
    for (let i = 0; i < ms.length; i++) {
      if (ms[i].type <= -type && (best < 0 || ms[i].type < ms[best].type)) best = i;
    }
    return best;
  }

  take(i: number): Message {
    const [m] = this.messages.splice(i, 1);
    this.cbytes -= m.data.length;
    return m;
  }
}
