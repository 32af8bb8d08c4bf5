// Staged buffers (src/host/memory.ts): accesses inside a call's windows are
// served from the channel, writes are recorded for the shim to copy back, and
// anything else reaches the process's memory, which stays consistent.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Memory } from '../../src/host/memory';
import { native, NativeAddon } from '../../src/native';

const L = native().layout();
const PID = 4242;
/** The fake process's memory: BASE..BASE+4096. */
const BASE = 0x7000_0000_0000;

interface Fixture {
  mem: Memory;
  proc: Buffer;
  region: Uint8Array;
  reads: number;
  writes: number;
}

function fixture(): Fixture {
  const proc = Buffer.alloc(4096);
  for (let i = 0; i < proc.length; i++) proc[i] = i & 0xff;
  const f: Fixture = { mem: new Memory(), proc, region: new Uint8Array(L.channelSize), reads: 0, writes: 0 };
  const addon = {
    readMem(pid: number, addr: number, buf: Uint8Array, off: number, len: number): number {
      f.reads++;
      if (pid !== PID || addr < BASE || addr + len > BASE + proc.length) return -14;
      buf.set(proc.subarray(addr - BASE, addr - BASE + len), off);
      return len;
    },
    writeMem(pid: number, addr: number, buf: Uint8Array, off: number, len: number): number {
      f.writes++;
      if (pid !== PID || addr < BASE || addr + len > BASE + proc.length) return -14;
      proc.set(buf.subarray(off, off + len), addr - BASE);
      return len;
    },
  };
  f.mem = new Memory(addon as unknown as NativeAddon);
  f.mem.attachRegion(f.region, L);
  return f;
}

const u32 = (f: Fixture): Uint32Array => new Uint32Array(f.region.buffer, f.region.byteOffset, f.region.length >>> 2);

/** Fills window i as the shim would: the program's bytes copied in when `copied`. */
function window(f: Fixture, i: number, addr: number, len: number, off: number, copied: boolean): void {
  const w = (L.chStageWin + i * L.swSize) >> 2;
  const v = u32(f);
  v[w] = addr % 2 ** 32;
  v[w + 1] = Math.floor(addr / 2 ** 32);
  v[(L.chStageWin + i * L.swSize + L.swLen) >> 2] = len;
  v[(L.chStageWin + i * L.swSize + L.swOff) >> 2] = off;
  v[(L.chStageWin + i * L.swSize + L.swFlags) >> 2] = copied ? L.stageCopied : 0;
  if (copied) f.region.set(f.proc.subarray(addr - BASE, addr - BASE + len), L.chStage + off);
  v[L.chStageCount >> 2] = Math.max(v[L.chStageCount >> 2], i + 1);
}

function dirty(f: Fixture, i: number): [number, number] {
  const v = u32(f);
  return [v[(L.chStageWin + i * L.swSize + L.swDirtyLo) >> 2], v[(L.chStageWin + i * L.swSize + L.swDirtyHi) >> 2]];
}

test('a read inside a copied window comes from the stage, without touching the process', () => {
  const f = fixture();
  window(f, 0, BASE + 100, 64, 0, true);
  f.region[L.chStage + 4] = 0xee; // only the stage has this byte
  f.mem.beginStage(PID, 0);
  assert.equal(f.mem.read(PID, BASE + 104, 8), 8);
  assert.equal(f.mem.scratch[0], 0xee);
  assert.equal(f.mem.scratch[1], 105);
  assert.equal(f.reads, 0);
  // Another process, or a range outside every window, reads the process itself.
  assert.equal(f.mem.read(PID + 1, BASE + 104, 8), -14);
  assert.equal(f.mem.read(PID, BASE + 300, 4), 4);
  assert.equal(f.reads, 2);
  f.mem.endStage(true);
  assert.deepEqual(dirty(f, 0), [0, 0], 'nothing written, nothing to copy back');
});

test('writes inside an output window are recorded for the shim and leave the process alone when answered', () => {
  const f = fixture();
  window(f, 0, BASE + 200, 32, 8, false);
  f.mem.beginStage(PID, 0);
  f.mem.scratch.fill(0xab, 0, 5);
  assert.equal(f.mem.writeScratch(PID, BASE + 202, 5), 5);
  assert.equal(f.writes, 0);
  // Reading back what this call wrote is served from the stage.
  assert.equal(f.mem.read(PID, BASE + 203, 2), 2);
  assert.equal(f.mem.scratch[0], 0xab);
  f.mem.endStage(true);
  assert.deepEqual(dirty(f, 0), [2, 7]);
  assert.equal(f.region[L.chStage + 8 + 2], 0xab);
  assert.equal(f.proc[202], 202 & 0xff, 'the shim copies it back, not the simulator');
});

test('a call that blocks writes what it staged to the process and leaves nothing to copy back', () => {
  const f = fixture();
  window(f, 0, BASE + 200, 32, 0, false);
  f.mem.beginStage(PID, 0);
  const src = Buffer.from([1, 2, 3]);
  assert.equal(f.mem.writeBuf(PID, BASE + 210, src, 0, 3), 3);
  f.mem.endStage(false);
  assert.deepEqual([...f.proc.subarray(210, 213)], [1, 2, 3]);
  assert.deepEqual(dirty(f, 0), [0, 0]);
});

test('an access across a window edge retires the window after flushing it; later accesses go to the process', () => {
  const f = fixture();
  window(f, 0, BASE + 100, 16, 0, true);
  f.mem.beginStage(PID, 0);
  f.mem.scratch[0] = 0x55;
  assert.equal(f.mem.writeScratch(PID, BASE + 101, 1), 1);
  assert.equal(f.writes, 0);
  assert.equal(f.mem.read(PID, BASE + 110, 16), 16, 'straddles the end');
  assert.equal(f.proc[101], 0x55, 'flushed before the direct read');
  assert.equal(f.reads, 1);
  f.mem.scratch[0] = 0x66;
  f.mem.writeScratch(PID, BASE + 102, 1);
  assert.equal(f.proc[102], 0x66, 'the retired window is no longer staged');
  f.mem.endStage(true);
  assert.deepEqual(dirty(f, 0), [0, 0]);
});

test('an output window serves reads only of what this call wrote', () => {
  const f = fixture();
  window(f, 0, BASE + 400, 64, 0, false);
  f.region.fill(0x99, L.chStage, L.chStage + 64); // stale bytes of an earlier call
  f.mem.beginStage(PID, 0);
  assert.equal(f.mem.readU32(PID, BASE + 400), f.proc.readUInt32LE(400));
  assert.equal(f.reads, 1);
  f.mem.endStage(true);
});

test('two separate writes to an output window fill the gap between them from the process', () => {
  const f = fixture();
  window(f, 0, BASE + 500, 64, 0, false);
  f.region.fill(0x99, L.chStage, L.chStage + 64);
  f.mem.beginStage(PID, 0);
  f.mem.writeU32(PID, BASE + 500, 0x01020304);
  f.mem.writeU32(PID, BASE + 520, 0x05060708);
  f.mem.endStage(true);
  assert.deepEqual(dirty(f, 0), [0, 24]);
  for (let i = 4; i < 20; i++) assert.equal(f.region[L.chStage + i], (500 + i) & 0xff, `gap byte ${i}`);
});

test('overlapping windows, or one outside the stage, make the whole stage ignored', () => {
  const f = fixture();
  window(f, 0, BASE + 100, 16, 0, true);
  window(f, 1, BASE + 108, 16, 16, true);
  f.mem.beginStage(PID, 0);
  f.mem.read(PID, BASE + 100, 4);
  assert.equal(f.reads, 1);
  f.mem.endStage(true);

  const g = fixture();
  window(g, 0, BASE + 100, 16, L.stageBytes - 8, false);
  g.mem.beginStage(PID, 0);
  g.mem.writeU32(PID, BASE + 100, 7);
  assert.equal(g.writes, 1);
  g.mem.endStage(true);
});

test('a string read near a window retires it first', () => {
  const f = fixture();
  f.proc.write('hello\0', 40);
  window(f, 0, BASE + 42, 8, 0, false);
  f.mem.beginStage(PID, 0);
  f.mem.scratch[0] = 0x58; // 'X'
  f.mem.writeScratch(PID, BASE + 42, 1);
  assert.equal(f.mem.readCString(PID, BASE + 40, 64), 'heXlo');
  f.mem.endStage(true);
  assert.deepEqual(dirty(f, 0), [0, 0]);
});
