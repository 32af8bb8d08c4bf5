// The watchdog: a managed thread blocked natively (a read of an inotify fd, which
// the shim runs itself) freezes the simulation; umbra must say which host, process, thread
// and syscall, every watchdog period, until something outside unblocks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UMBRA, program, tempDir } from '../helpers/umbra';
import { parseArgs } from '../../src/cli/args';
import { loadConfig, processedConfigYaml } from '../../src/config/load';

test('watchdog: a thread stuck in a native read is reported every period until it answers', async () => {
  const dir = tempDir();
  const watched = path.join(dir, 'watched');
  fs.mkdirSync(watched);
  const yaml =
    'general: {stop_time: 10 s, data_directory: out.data}\n' +
    'network: {graph: {type: 1_gbit_switch}}\n' +
    'experimental: {watchdog_timeout: 1 s}\n' +
    `hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: ${program('native_block')}, args: [${watched}]}\n`;
  fs.writeFileSync(path.join(dir, 'config.yaml'), yaml);
  const child = spawn(process.execPath, [UMBRA, 'config.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let unblocked = false;
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    // Two warnings show the repeat; then play the outside world: a new file wakes the inotify read.
    if (!unblocked && (stdout.match(/has not answered/gu) ?? []).length >= 2) {
      unblocked = true;
      fs.writeFileSync(path.join(watched, 'x'), '');
    }
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(killer);
  assert.equal(status, 0, stdout + stderr);
  const warnings = stdout.split('\n').filter((l) => l.includes('has not answered'));
  assert.ok(warnings.length >= 2, stdout);
  for (const w of warnings) {
    assert.match(w, /\[WARN\] \[box\] watchdog: process native_block \(pid 1000\) thread 1000 has not answered/u);
    assert.match(w, /in the native syscall read /u);
  }
  assert.match(stdout, /watchdog: process native_block \(pid 1000\) thread 1000 answered after/u);
  assert.equal(
    fs.readFileSync(path.join(dir, 'out.data', 'hosts', 'box', 'native_block.1000.stdout'), 'utf8'),
    'read an event: x\n',
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('watchdog_timeout: default 60 s, 0 turns it off, --watchdog-timeout overrides the file', () => {
  const yaml = (x: string) =>
    `general: {stop_time: 1 s}\nnetwork: {graph: {type: 1_gbit_switch}}\n${x}` +
    'hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: /bin/true}\n';
  const ctx = { cwd: process.cwd(), env: process.env };
  const load = (text: string, args: string[] = []) => {
    const parsed = parseArgs([...args, 'config.yaml']);
    assert.equal(parsed.kind, 'run');
    return loadConfig({ text, fileName: 'config.yaml' }, parsed.kind === 'run' ? parsed.overrides : {}, ctx);
  };
  assert.equal(load(yaml('')).experimental.watchdogTimeoutNs, 60e9);
  const off = load(yaml('experimental: {watchdog_timeout: 0 s}\n'));
  assert.equal(off.experimental.watchdogTimeoutNs, 0);
  assert.match(processedConfigYaml(off), /\n {2}watchdog_timeout: 0 sec\n/u);
  const flag = load(yaml('experimental: {watchdog_timeout: 0 s}\n'), ['--watchdog-timeout', '5 min']);
  assert.equal(flag.experimental.watchdogTimeoutNs, 300e9);
});
