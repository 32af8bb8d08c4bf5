// general.template_directory (-e): the data directory starts as a copy of the
// template (modes and symbolic links kept), so per-host input files are in
// place when the processes start; a missing template is a one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, runUmbra, tempDir } from '../helpers/umbra';

/** A template with a host folder holding an input file, a private subfolder and a relative link. */
function makeTemplate(dir: string): string {
  const t = path.join(dir, 'template');
  fs.mkdirSync(path.join(t, 'hosts', 'box', 'private'), { recursive: true });
  fs.writeFileSync(path.join(t, 'hosts', 'box', 'torrc'), 'ORPort 9001\n');
  fs.chmodSync(path.join(t, 'hosts', 'box', 'torrc'), 0o640);
  fs.writeFileSync(path.join(t, 'hosts', 'box', 'private', 'key'), 'secret\n');
  fs.chmodSync(path.join(t, 'hosts', 'box', 'private', 'key'), 0o600);
  fs.chmodSync(path.join(t, 'hosts', 'box', 'private'), 0o700);
  fs.symlinkSync('torrc', path.join(t, 'hosts', 'box', 'torrc.link'));
  fs.writeFileSync(path.join(t, 'shared.txt'), 'for everyone\n');
  return t;
}

const CAT = host('box', [{ path: 'cat', args: 'torrc.link private/key ../../shared.txt' }]);

test('template_directory is copied to become the data directory before the processes start', () => {
  const dir = tempDir();
  makeTemplate(dir);
  const r = runUmbra(config(CAT, 'stop_time: 10s\ntemplate_directory: template'), [], { dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.output('box', 'cat.1000.stdout'), 'ORPort 9001\nsecret\nfor everyone\n');
  const box = path.join(r.dataDir, 'hosts', 'box');
  assert.equal(fs.statSync(path.join(box, 'torrc')).mode & 0o777, 0o640);
  assert.equal(fs.statSync(path.join(box, 'private')).mode & 0o777, 0o700);
  assert.equal(fs.statSync(path.join(box, 'private', 'key')).mode & 0o777, 0o600);
  assert.equal(fs.readlinkSync(path.join(box, 'torrc.link')), 'torrc', 'the link is kept as written');
  // The run's own files are there too, and the template is untouched.
  assert.ok(fs.existsSync(path.join(r.dataDir, 'processed-config.yaml')));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'template', 'hosts', 'box')).sort(), [
    'private',
    'torrc',
    'torrc.link',
  ]);
});

test('-e on the command line does the same; a missing template is an error naming the key', () => {
  const dir = tempDir();
  makeTemplate(dir);
  const ok = runUmbra(config(CAT, 'stop_time: 10s'), ['-e', 'template'], { dir });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.output('box', 'cat.1000.stdout'), 'ORPort 9001\nsecret\nfor everyone\n');

  const missing = runUmbra(config(CAT, 'stop_time: 10s'), ['-e', 'no-such-template', '-d', 'other.data'], { dir });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^umbra: general\.template_directory: 'no-such-template' does not exist$/m);
  assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(fs.existsSync(path.join(dir, 'other.data')), false, 'no data directory is left behind');
});
