// The clock-bearing /proc files generated from simulated time: uptime counts
// from the simulated boot (1 s before the start), starttime in 100 Hz ticks,
// virtual pids, and unknown pids are ENOENT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Host } from '../../src/host/host';
import { Process } from '../../src/host/process';
import type { HostConfig } from '../../src/config/types';
import { procClockFile, uptime } from '../../src/files/proc-file';
import { E } from '../../src/abi/errno';

const S = 1_000_000_000;

function hostWithProcess(startNs: number): { h: Host; p: Process } {
  const h = new Host(0, 'h', 0x0b000001, {} as HostConfig, '/nonexistent', 1);
  const p = new Process(h, h.allocVid(), 1, 0, 'a-rather-long-program-name', null);
  p.startTimeNs = startNs;
  h.processes.push(p);
  return { h, p };
}

const text = (b: Buffer | number | null): string => {
  assert.ok(Buffer.isBuffer(b));
  return b.toString();
};

test('/proc/uptime is simulated time since boot, truncated to hundredths', () => {
  assert.equal(uptime(0), '1.00 1.00\n');
  assert.equal(uptime(5 * S + 999_999_999), '6.99 6.99\n');
  assert.equal(uptime(119 * S + 50_000_000), '120.05 120.05\n');
});

test('/proc/<pid>/stat: virtual pid, short comm, starttime in ticks since boot, 52 fields', () => {
  const { p } = hostWithProcess(2 * S + 5_000_000);
  const self = text(procClockFile('/proc/self/stat', p, 10 * S));
  assert.equal(self, text(procClockFile(`/proc/${p.vpid}/stat`, p, 10 * S)).replace(') S ', ') R '));
  const fields = self.trim().split(' ');
  assert.equal(fields.length, 52);
  assert.deepEqual(fields.slice(0, 4), ['1000', '(a-rather-long-p)', 'R', '1']);
  assert.equal(fields[21], '300'); // (2.005 s + 1 s boot) at 100 Hz, truncated
  assert.equal(fields[37], '17');
});

test('/proc/stat boots one second before the simulated epoch; unknown pids and other paths', () => {
  const { p } = hostWithProcess(0);
  assert.match(text(procClockFile('/proc/stat', p, 4 * S)), /^cpu {2}0 0 0 500 .*\nbtime 946684799\n/s);
  assert.equal(procClockFile('/proc/4242/stat', p, 0), -E.ENOENT);
  assert.equal(procClockFile('/proc/self/status', p, 0), null);
  assert.equal(procClockFile('/proc/self/stat/x', p, 0), null);
});
