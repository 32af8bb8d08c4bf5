// The shim protocol seen from TypeScript: constants come from the addon (built
// from umbra_ipc.h), and a stale addon is refused with a clear message.
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
  TSC_TRAP,
  YIELD_REASON,
} from '../../src/abi/protocol';
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
