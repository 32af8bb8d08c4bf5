// The shim's side of the protocol with real processes: it refuses a shared
// region of another protocol version, reports whether rdtsc traps (umbra warns
// once per run when it does not), and keeps its entry discipline so native
// preemption still fires in programs that spin on the clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { PROTOCOL, SHIM_EXIT } from '../../src/abi/protocol';
import { native, SHIM_PATH } from '../../src/native';
import { config, program, runUmbra, tempDir } from '../helpers/umbra';
import { RDTSC_NOT_TRAPPED, noRdtscTrap } from '../helpers/rdtsc';

const box = (processes: string) => `  box:\n    network_node_id: 0\n    processes:\n${processes}`;

/** Runs a program with the shim preloaded and `header` as the shared region at the shim's fd. */
function runWithRegion(header: Buffer): { status: number | null; stderr: string } {
  const file = path.join(tempDir(), 'region');
  fs.writeFileSync(file, header);
  const fd = fs.openSync(file, 'r+');
  try {
    const stdio: StdioOptions = new Array(PROTOCOL.SHM_FD + 1).fill('ignore');
    stdio[2] = 'pipe';
    stdio[PROTOCOL.SHM_FD] = fd;
    const r = spawnSync(program('identity'), [], {
      env: { LD_PRELOAD: SHIM_PATH, UMBRA_CHANNEL: '0' },
      stdio,
      encoding: 'utf8',
      timeout: 10_000,
    });
    return { status: r.status, stderr: r.stderr ?? '' };
  } finally {
    fs.closeSync(fd);
  }
}

function header(magic: number, version: number, totalSize: number): Buffer {
  const L = native().layout();
  const b = Buffer.alloc(4096);
  b.writeUInt32LE(magic, L.hdrMagic);
  b.writeUInt32LE(version, L.hdrVersion);
  b.writeBigUInt64LE(BigInt(totalSize), L.hdrTotalSize);
  return b;
}

test('a shim given a region of another protocol version says so and exits with its own status', () => {
  const L = native().layout();
  const r = runWithRegion(header(PROTOCOL.MAGIC, PROTOCOL.VERSION + 1, L.shmSize));
  assert.equal(r.status, SHIM_EXIT.PROTOCOL_MISMATCH, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^umbra shim: protocol mismatch: the simulator's shared region is version ${PROTOCOL.VERSION + 1} .*` +
        `this shim speaks version ${PROTOCOL.VERSION} .*run 'npm install'`,
    ),
  );
  const sized = runWithRegion(header(PROTOCOL.MAGIC, PROTOCOL.VERSION, L.shmSize + 4096));
  assert.equal(sized.status, SHIM_EXIT.PROTOCOL_MISMATCH, sized.stderr);
  const foreign = runWithRegion(header(0x12345678, PROTOCOL.VERSION, L.shmSize));
  assert.equal(foreign.status, SHIM_EXIT.PROTOCOL_MISMATCH, foreign.stderr);
  assert.match(foreign.stderr, /not umbra's \(bad magic\)/);
});

test('the rdtsc warning appears once per run exactly when rdtsc is not trapped', () => {
  const r = runUmbra(
    config(box(`    - {path: ${program('identity')}}\n    - {path: ${program('identity')}, start_time: 2s}\n`)),
  );
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stdout.split('\n').filter((l) => l.includes(RDTSC_NOT_TRAPPED));
  assert.equal(warnings.length, native().rdtscTraps() ? 0 : 1, r.stdout);
  assert.ok(!r.output('box', 'identity.1000.stderr').includes('rdtsc'), 'nothing on the program stderr');
});

test(
  'with native preemption on, a spin on rdtsc and clock_gettime ends by the spin rule, long before a preemption',
  {
    skip: noRdtscTrap,
  },
  () => {
    const r = runUmbra(config(box(`    - {path: ${program('clock_spin')}}\n`), 'stop_time: 10 s'), [
      '--native-preemption-enabled',
      'true',
      '--native-preemption-native-interval',
      '20ms',
      '--native-preemption-sim-interval',
      '10ms',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const out = r.output('box', 'clock_spin');
    const m =
      /^rdtsc advanced by 1000 cycles after some reads\nclock_gettime advanced by 1 ms, elapsed_ns=(\d+)\n$/.exec(out);
    assert.ok(m, out);
    // The spin takes about 11 000 clock reads, far less than the 20 ms of CPU a preemption needs.
    assert.equal(Number(m[1]), 1_001_000, 'the spin rule: one step past the 1 ms deadline');
  },
);
