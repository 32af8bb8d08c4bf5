// The shim protocol seen from TypeScript: constants come from the addon (built
// from umbra_ipc.h), a stale addon is refused with a clear message, and every
// slot or index into the shared region is bounds-checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  addonProtocol,
  CHANNEL_STATE,
  DELIVER,
  EXPECTED_PROTOCOL_VERSION,
  LIMITS,
  MSG,
  PROTOCOL,
  PSEUDO_SYS,
  SHIM_SIGNALS,
  SPIN,
  TSC_TRAP,
  YIELD_REASON,
} from '../../src/abi/protocol';
import { SharedRegion, SlotAllocator } from '../../src/host/shm';
import { native, ProtocolConstants } from '../../src/native';

test('the TypeScript tables are the addon constants, frozen', () => {
  const p = native().protocol();
  assert.equal(PROTOCOL.VERSION, EXPECTED_PROTOCOL_VERSION);
  assert.equal(PROTOCOL.MAGIC, native().layout().magic);
  assert.deepEqual({ ...MSG }, p.msg);
  assert.deepEqual({ ...PSEUDO_SYS }, p.pseudoSys);
  assert.deepEqual({ ...DELIVER }, p.deliver);
  assert.deepEqual({ ...YIELD_REASON }, p.yieldReason);
  assert.deepEqual({ ...CHANNEL_STATE }, p.channel);
  assert.deepEqual({ ...LIMITS }, p.limits);
  assert.deepEqual({ ...SHIM_SIGNALS }, p.shimSignals);
  assert.deepEqual({ ...TSC_TRAP }, p.tscTrap);
  assert.deepEqual({ ...SPIN }, p.spin);
  for (const t of [MSG, PSEUDO_SYS, DELIVER, LIMITS]) assert.ok(Object.isFrozen(t));
  // Pseudo-syscalls sit above Linux's syscall numbers.
  for (const nr of Object.values(PSEUDO_SYS)) assert.ok(nr > 1000);
});

test('an addon from before protocol versioning, or of another version, is refused: run npm install', () => {
  assert.throws(() => addonProtocol({}), /stale.*predates protocol versioning.*run 'npm install'/);
  const v = EXPECTED_PROTOCOL_VERSION;
  const other = { ...native().protocol(), version: v + 1 };
  assert.throws(
    () => addonProtocol({ protocol: () => other as ProtocolConstants }),
    new RegExp(`stale .*version ${v + 1}, this umbra version ${v}\\).*npm install`),
  );
  assert.equal(addonProtocol(native()).version, EXPECTED_PROTOCOL_VERSION);
});

test('shared-region offsets: in-range slots map inside the region, out-of-range ones are invariant errors', () => {
  const shm = new SharedRegion();
  const L = shm.layout;
  assert.equal(shm.channelOffset(0), L.offChannels);
  assert.equal(shm.channelOffset(LIMITS.MAX_THREADS - 1) + L.channelSize, L.shmSize);
  assert.equal(shm.hostOffset(LIMITS.MAX_HOSTS - 1) + L.hostSize, L.offProcs);
  assert.equal(shm.procOffset(LIMITS.MAX_PROCS - 1) + L.procSize, L.offChannels);
  for (const bad of [-1, LIMITS.MAX_THREADS, 1.5, NaN, Infinity]) {
    assert.throws(() => shm.channelOffset(bad), /^Error: invariant: channel slot .* outside the shared region/);
  }
  for (const bad of [-1, LIMITS.MAX_HOSTS, 0.5]) {
    assert.throws(() => shm.hostOffset(bad), /invariant: host index/);
  }
  for (const bad of [-1, LIMITS.MAX_PROCS, 2.5]) {
    assert.throws(() => shm.procOffset(bad), /invariant: process slot/);
  }
});

test('fd bitmap: bits set and cleared per process; bad slots and negative fds are invariant errors', () => {
  const shm = new SharedRegion();
  shm.setFdEmulated(3, 7, true);
  shm.setFdEmulated(3, LIMITS.FD_BITMAP_FDS - 1, true);
  assert.ok(shm.isFdEmulated(3, 7));
  assert.ok(shm.isFdEmulated(3, LIMITS.FD_BITMAP_FDS - 1));
  assert.ok(!shm.isFdEmulated(3, 8));
  assert.ok(!shm.isFdEmulated(4, 7));
  shm.copyFdBitmap(3, 4);
  assert.ok(shm.isFdEmulated(4, 7));
  shm.setFdEmulated(3, 7, false);
  assert.ok(!shm.isFdEmulated(3, 7));
  shm.clearFdBitmap(4);
  assert.ok(!shm.isFdEmulated(4, 7));
  // Beyond the bitmap the shim always asks the simulator: no bit, no error (the number may come from a program).
  shm.setFdEmulated(3, LIMITS.FD_BITMAP_FDS, true);
  shm.setFdEmulated(3, 2 ** 40, true);
  assert.ok(shm.isFdEmulated(3, 2 ** 40));
  assert.throws(() => shm.setFdEmulated(3, -1, true), /invariant: fd -1/);
  assert.throws(() => shm.setFdEmulated(LIMITS.MAX_PROCS, 7, true), /invariant: process slot/);
  assert.throws(() => shm.clearFdBitmap(-1), /invariant: process slot/);
  assert.throws(() => shm.copyFdBitmap(0, LIMITS.MAX_PROCS), /invariant: process slot/);
});

test('the addon refuses channel slots outside the region', () => {
  new SharedRegion();
  assert.throws(() => native().reply(LIMITS.MAX_THREADS), /channel slot outside the region/);
  assert.throws(() => native().waitRequest(-1, 0), /channel slot outside the region/);
});

test('park marks a blocked request for its shim without touching its owner or sleeper bits; the reply clears it', () => {
  const shm = new SharedRegion();
  const n = native();
  const slot = 3;
  const stateIndex = (shm.channelOffset(slot) + shm.layout.chState) >> 2;
  const C = CHANNEL_STATE;
  // The shim posted its request and, tired of spinning, said it sleeps.
  shm.u32[stateIndex] = C.REQUEST | C.SHIM_SLEEPING;
  n.park(slot);
  assert.equal(shm.u32[stateIndex], C.REQUEST | C.SHIM_SLEEPING | C.PARKED);
  assert.equal(C.PARKED & (C.OWNER_MASK | C.SIM_SLEEPING | C.SHIM_SLEEPING), 0, 'a bit of its own');
  // The reply hands the channel over and clears every bit above the owner (and wakes the sleeper).
  n.reply(slot);
  assert.equal(shm.u32[stateIndex], C.REPLY);
});

test('slot allocator: a released slot waits behind 64 newer releases, then slots come back oldest first', () => {
  const slots = new SlotAllocator(1000, 'slots');
  const first = Array.from({ length: 70 }, () => slots.alloc());
  assert.deepEqual(
    first,
    Array.from({ length: 70 }, (_, i) => i),
  );
  for (let i = 0; i < 65; i++) slots.release(i);
  // 65 wait: the oldest (0) now has 64 behind it and is handed out; the next waits again.
  assert.equal(slots.alloc(), 0);
  assert.equal(slots.alloc(), 70, 'with 64 waiting, a new slot');
  slots.release(69);
  assert.equal(slots.alloc(), 1);
});

test('slot allocator: at the limit a released slot is reused at once, and past it alloc throws', () => {
  const slots = new SlotAllocator(2, 'threads');
  assert.equal(slots.alloc(), 0);
  assert.equal(slots.alloc(), 1);
  assert.equal(slots.hasFree(), false);
  assert.throws(() => slots.alloc(), /too many threads \(limit 2\)/);
  slots.release(1);
  assert.equal(slots.hasFree(), true);
  assert.equal(slots.alloc(), 1);
});
