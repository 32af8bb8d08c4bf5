// FIFOs (mkfifo) under umbra: opens wait for the other side in simulated time
// instead of blocking natively (which froze the run), and one FIFO is shared by
// every simulated process that opens it: on one host and across hosts, which
// share the real file system (as in Shadow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, program, runUmbra, tempDir } from '../helpers/umbra';

test('a writer open waits for the reader; data, EOF, ENXIO, O_RDWR as on Linux', () => {
  const dir = tempDir();
  const r = runUmbra(config(host('box', [{ path: program('fifo_open'), args: [dir] }])), [], { dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('box', 'fifo_open'),
    [
      'child: writer open at 2.000',
      'parent: reader open at 2.000',
      "parent: read 5 'hello'",
      'parent: then read 0 (EOF)',
      'child exit 0',
      'nonblocking writer alone: -1 No such device or address',
      'nonblocking reader alone: ok',
      'its read: 0',
      'nonblocking writer with a reader: ok',
      'O_RDWR alone: ok',
      'O_RDWR read back 2 at 2.000',
      '',
    ].join('\n'),
  );
});

/** Output files are named after the program run: /bin/sh may be dash or bash. */
const SH = `${path.basename(fs.realpathSync('/bin/sh'))}.`;

function fifoIn(dir: string): string {
  const fifo = path.join(dir, 'shared.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  return fifo;
}

test('configured processes exchange data through a FIFO: one host, started at different times', () => {
  const dir = tempDir();
  const fifo = fifoIn(dir);
  const writer = { path: '/bin/sh', args: ['-c', `echo x > ${fifo}; echo wrote`], start_time: '1 s' };
  const reader = { path: '/bin/cat', args: [fifo], start_time: '3 s' };
  const r = runUmbra(config(host('box', [writer, reader])), [], { dir });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.output('box', SH), 'wrote\n');
  assert.equal(r.output('box', 'cat.'), 'x\n');
});

test('a FIFO connects the processes of one host only, as on a shared network file system', () => {
  // Hosts share the real file system the way NFS clients share a server: a FIFO
  // there is each machine's own object, so a writer on beta never meets alpha's
  // reader, and both meet a partner on their own host.
  const dir = tempDir();
  const fifo = fifoIn(dir);
  const reader = { path: '/bin/cat', args: [fifo], start_time: '1 s' };
  const writer = (text: string, at: string) => ({
    path: '/bin/sh',
    args: ['-c', `echo ${text} > ${fifo}`],
    start_time: at,
  });
  const r = runUmbra(
    config(host('alpha', [reader, writer('from-alpha', '6 s')]) + host('beta', [writer('from-beta', '4 s')], 0)),
    [],
    { dir },
  );
  assert.equal(r.status, 1, 'the writer on beta has no reader on its host: it waits to the end');
  assert.equal(r.output('alpha', 'cat.'), 'from-alpha\n');
  assert.match(r.stdout, /process 'beta\.dash\.1000' ended as running/);
});
