// Writing output when the target misbehaves: a closed pipe, a full device, a
// data directory that cannot be made. Nothing here may throw past its caller
// except the one-line ConfigError of a data directory that cannot be created.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ConfigError } from '../../src/config/types';
import { Logger } from '../../src/output/log';
import { PcapFile } from '../../src/output/pcap';
import { TextSink } from '../../src/output/sink';
import { createDataDirectory, fillDataDirectory, writeNewFile, writeOutputFile } from '../../src/output/data-dir';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-output-faults-')));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A FIFO with its read end open: `closeReader()` makes the next write fail with EPIPE. */
function pipeWithReader(dir: string): { path: string; closeReader: () => void } {
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  return { path: fifo, closeReader: () => fs.closeSync(reader) };
}

test('a sink on a full device stops writing, counts the lines it drops and reports once', () => {
  const fd = fs.openSync('/dev/full', 'w');
  try {
    const sink = new TextSink(fd, 'standard output');
    assert.equal(sink.report('The log'), null);
    assert.equal(sink.write('one\n'), false);
    assert.equal(sink.write('two\nthree\n'), false);
    assert.equal(sink.failure, 'no space left on the device (ENOSPC)');
    assert.equal(sink.droppedLines, 3);
    assert.equal(
      sink.report('The log'),
      'The log could not be written to standard output: no space left on the device (ENOSPC); 3 lines were dropped',
    );
  } finally {
    fs.closeSync(fd);
  }
});

test('a sink whose reader went away (EPIPE) stops without throwing', (t) => {
  const dir = tempDir(t);
  const pipe = pipeWithReader(dir);
  const fd = fs.openSync(pipe.path, 'w');
  t.after(() => fs.closeSync(fd));
  const sink = new TextSink(fd, 'standard output');
  assert.equal(sink.write('first line\n'), true);
  pipe.closeReader();
  assert.equal(sink.write('second line\n'), false);
  assert.equal(sink.failure, 'the reader closed the pipe (EPIPE)');
  assert.match(sink.report('The log') ?? '', /EPIPE\); 1 line was dropped$/);
});

test('the logger keeps going when its output fails, and still echoes errors', () => {
  const full = fs.openSync('/dev/full', 'w');
  try {
    const out = new TextSink(full, 'standard output');
    const echoed: string[] = [];
    const errors = new TextSink(-1, 'standard error');
    errors.write = (text: string): boolean => {
      echoed.push(text);
      return true;
    };
    const log = new Logger('info', out, errors);
    log.info('box', 'hello');
    log.error('box', 'it broke');
    assert.equal(out.droppedLines, 2);
    assert.deepEqual(echoed, ['Error: it broke\n']);
  } finally {
    fs.closeSync(full);
  }
});

test('a capture that cannot be written stops and says when; the run does not notice', (t) => {
  const dir = tempDir(t);
  assert.throws(() => new PcapFile('/dev/full', 65535), /ENOSPC/, 'the header is written at once');
  const pipe = pipeWithReader(dir);
  const pcap = new PcapFile(pipe.path, 65535);
  pcap.write(1_000, new Uint8Array(40));
  assert.equal(pcap.failure, null);
  pipe.closeReader();
  pcap.write(2_500_000_000, new Uint8Array(40));
  pcap.write(3_000_000_000, new Uint8Array(40));
  assert.equal(pcap.failure, 'the reader closed the pipe (EPIPE)');
  assert.equal(pcap.failedAtNs, 2_500_000_000, 'the first failure is kept');
  pcap.close();
});

function configError(fn: () => void): string {
  let message = '';
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one line');
    message = err.message;
    return true;
  });
  return message;
}

test('a data directory that cannot be created is one line naming the path and the reason', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'afile');
  fs.writeFileSync(file, '');
  assert.equal(
    configError(() => createDataDirectory(path.join(file, 'out'), 'afile/out')),
    `general.data_directory: cannot create '${file}/out': '${file}' is not a directory (it is a regular file)`,
  );
  assert.equal(
    configError(() => createDataDirectory(path.join(file, 'a', 'b'), 'afile/a/b')),
    `general.data_directory: cannot create '${file}/a/b': '${file}' is not a directory (it is a regular file)`,
  );
  assert.equal(
    configError(() => createDataDirectory(path.join(dir, 'no', 'such', 'out'), 'x')),
    `general.data_directory: cannot create '${dir}/no/such/out': '${dir}/no' does not exist`,
  );
  assert.equal(
    configError(() => createDataDirectory('/proc/umbra-test.data', '/proc/umbra-test.data')),
    `general.data_directory: cannot create '/proc/umbra-test.data': '/proc' does not allow new directories (ENOENT)`,
  );
  fs.mkdirSync(path.join(dir, 'there'));
  assert.equal(
    configError(() => createDataDirectory(path.join(dir, 'there'), 'there')),
    "general.data_directory: 'there' already exists; remove it or choose another with -d",
  );
  createDataDirectory(path.join(dir, 'fresh'), 'fresh');
  assert.ok(fs.statSync(path.join(dir, 'fresh')).isDirectory());
});

test('a data directory whose first files cannot be written is removed again', (t) => {
  const dir = tempDir(t);
  const data = path.join(dir, 'out');
  createDataDirectory(data, 'out');
  const message = configError(() =>
    fillDataDirectory(data, () => {
      fs.mkdirSync(path.join(data, 'hosts'));
      // /dev/full stands for a full disk: open succeeds, write fails without naming the file.
      writeNewFile('/dev/full', 'processed config');
    }),
  );
  assert.equal(message, "general.data_directory: cannot write '/dev/full': no space left on the device (ENOSPC)");
  assert.equal(fs.existsSync(data), false);
  // Anything that is not a file-system error is not the data directory's fault.
  createDataDirectory(data, 'out');
  assert.throws(
    () =>
      fillDataDirectory(data, () => {
        throw new RangeError('a bug');
      }),
    RangeError,
  );
});

test('an output file that cannot be written is reported, not thrown, and no partial file stays', (t) => {
  const dir = tempDir(t);
  assert.equal(writeOutputFile(path.join(dir, 'ok.json'), '{}\n'), null);
  assert.equal(fs.readFileSync(path.join(dir, 'ok.json'), 'utf8'), '{}\n');
  assert.deepEqual(writeOutputFile(path.join(dir, 'missing', 'x.json'), '{}'), {
    path: path.join(dir, 'missing', 'x.json'),
    reason: 'no such file or directory (ENOENT)',
  });
  // A device is never removed, even when writing to it fails.
  assert.deepEqual(writeOutputFile('/dev/full', '{}'), {
    path: '/dev/full',
    reason: 'no space left on the device (ENOSPC)',
  });
  assert.ok(fs.existsSync('/dev/full'));
});
