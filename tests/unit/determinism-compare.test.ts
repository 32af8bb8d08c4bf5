// Comparing two data directories: traces call by call, captures packet by
// packet, other files byte by byte; the earliest divergence first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareDataDirs, parseSimTime } from '../../src/cli/determinism-compare';
import { PcapFile } from '../../src/output/pcap';

function dirs(): [string, string] {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-cmp-'));
  process.on('exit', () => fs.rmSync(base, { recursive: true, force: true }));
  const a = path.join(base, 'run-1');
  const b = path.join(base, 'run-2');
  for (const d of [a, b]) fs.mkdirSync(path.join(d, 'hosts', 'h'), { recursive: true });
  return [a, b];
}

function write(dir: string, file: string, text: string): void {
  fs.writeFileSync(path.join(dir, 'hosts', 'h', file), text);
}

test('identical directories have no difference; ignored files are not compared', () => {
  const [a, b] = dirs();
  write(a, 'p.1000.stdout', 'same\n');
  write(b, 'p.1000.stdout', 'same\n');
  fs.writeFileSync(path.join(a, 'report.html'), 'x');
  fs.writeFileSync(path.join(b, 'report.html'), 'y');
  assert.deepEqual(compareDataDirs(a, b, new Set(['report.html'])), []);
});

test('the earliest difference comes first: a trace line, then a packet, then untimed files', () => {
  const [a, b] = dirs();
  const line = (t: string, call: string) => `${t} [tid 1001] ${call}\n`;
  write(
    a,
    'p.1000.strace',
    line('00:00:01.000000000', 'getpid() = 1000') + line('00:00:05.000000000', 'read(3, ptr, 9) = 9'),
  );
  write(
    b,
    'p.1000.strace',
    line('00:00:01.000000000', 'getpid() = 1000') + line('00:00:05.000000000', 'read(3, ptr, 9) = 4'),
  );
  write(a, 'p.1000.stdout', 'one\ntwo\n');
  write(b, 'p.1000.stdout', 'one\nTWO\n');
  const pa = new PcapFile(path.join(a, 'hosts', 'h', 'eth0.pcap'), 65535);
  const pb = new PcapFile(path.join(b, 'hosts', 'h', 'eth0.pcap'), 65535);
  pa.write(2e9, new Uint8Array([1, 2, 3]));
  pb.write(2e9, new Uint8Array([1, 2, 3]));
  pa.write(3e9, new Uint8Array([4]));
  pa.close();
  pb.close();
  write(a, 'only-a', '');
  const diffs = compareDataDirs(a, b, new Set());
  assert.deepEqual(
    diffs.map((d) => [d.file, d.timeNs]),
    [
      ['hosts/h/eth0.pcap', 3e9],
      ['hosts/h/p.1000.strace', 5e9],
      ['hosts/h/only-a', Infinity],
      ['hosts/h/p.1000.stdout', Infinity],
    ],
  );
  assert.equal(diffs[0].packet?.index, 2);
  assert.match(diffs[0].packet?.run1 ?? '', /^1 bytes at 00:00:03\.000000000/);
  assert.equal(diffs[0].packet?.run2, '(none: the capture ends here)');
  const s = diffs[1].syscall;
  assert.deepEqual(s && [s.host, s.process, s.tid, s.line, s.run1, s.run2], [
    'h',
    'p.1000',
    1001,
    2,
    'read(3, ptr, 9) = 9 at 00:00:05.000000000',
    'read(3, ptr, 9) = 4 at 00:00:05.000000000',
  ]);
  assert.equal(diffs[2].detail, 'only in run 1');
  assert.equal(diffs[3].detail, 'first difference at byte 4, line 2: run 1 "two", run 2 "TWO"');
});

test('simulated times read back from the trace format', () => {
  assert.equal(parseSimTime('01:02:03.000000004'), 3723e9 + 4);
  assert.ok(Number.isNaN(parseSimTime('soon')));
});
