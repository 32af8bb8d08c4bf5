// Calls the simulator makes into a managed process while one of its threads
// is stopped in the shim: a native syscall on its behalf, a clone, a
// placeholder fd. The trapped call's words are saved and restored around it.
import type { Thread } from '../host/thread';
import { MSG } from '../abi/protocol';
import { killForProtocolViolation } from './lifecycle';
import type { Kernel } from './kernel';

/** The kind word plus nr and six arguments: 14 u32 words from chNr. */
const SAVED_WORDS = 14;

/** A process died while the simulator was talking to it. */
export class ProcessVanished extends Error {
  constructor(readonly process: Thread['process']) {
    super(`${process.name} ended during a native call`);
  }
}

export class ShimCalls {
  private readonly saved = new Uint32Array(SAVED_WORDS + 1);

  constructor(private readonly k: Kernel) {}

  /** Asks t's shim to do `kind` (NATIVE_CALL, CLONE ...) and returns its CALL_RESULT. */
  call(
    t: Thread,
    kind: number,
    nr: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    a4: number,
    a5: number,
  ): number {
    const shm = this.k.shm;
    const L = shm.layout;
    const ch = t.chOff;
    // The shim's native call may read or write the staged buffers' memory, a clone copies it.
    this.k.mem.endStage(false);
    this.save(ch);
    shm.u32[(ch + L.chKind) >> 2] = kind;
    shm.writeI64(ch + L.chNr, nr);
    const base = ch + L.chArgs;
    shm.writeI64(base, a0);
    shm.writeI64(base + 8, a1);
    shm.writeI64(base + 16, a2);
    shm.writeI64(base + 24, a3);
    shm.writeI64(base + 32, a4);
    shm.writeI64(base + 40, a5);
    return this.finish(t);
  }

  /** Opens a native placeholder fd in t's process for an emulated object. */
  placeholderFd(t: Thread, cloexec: boolean): number {
    const shm = this.k.shm;
    const L = shm.layout;
    this.save(t.chOff);
    shm.u32[(t.chOff + L.chKind) >> 2] = MSG.PLACEHOLDER;
    shm.writeI64(t.chOff + L.chArgs, cloexec ? 1 : 0);
    return this.finish(t);
  }

  private finish(t: Thread): number {
    const k = this.k;
    const shm = k.shm;
    const L = shm.layout;
    if (k.addon.replyAndWait(t.slot, t.process.nativePid) === 0) {
      throw new ProcessVanished(t.process);
    }
    const kind = shm.u32[(t.chOff + L.chKind) >> 2];
    if (kind !== MSG.CALL_RESULT) {
      // The channel is program-writable: a wrong answer ends that process, not the run.
      killForProtocolViolation(k, t.process, `${t.name} answered a native call with message kind ${kind}`);
      throw new ProcessVanished(t.process);
    }
    const r = shm.readI64(t.chOff + L.chRet);
    this.restore(t.chOff);
    return r;
  }

  private save(ch: number): void {
    const shm = this.k.shm;
    const L = shm.layout;
    const base = (ch + L.chNr) >> 2;
    for (let i = 0; i < SAVED_WORDS; i++) this.saved[i] = shm.u32[base + i];
    this.saved[SAVED_WORDS] = shm.u32[(ch + L.chKind) >> 2];
  }

  private restore(ch: number): void {
    const shm = this.k.shm;
    const L = shm.layout;
    const base = (ch + L.chNr) >> 2;
    for (let i = 0; i < SAVED_WORDS; i++) shm.u32[base + i] = this.saved[i];
    shm.u32[(ch + L.chKind) >> 2] = this.saved[SAVED_WORDS];
  }
}
