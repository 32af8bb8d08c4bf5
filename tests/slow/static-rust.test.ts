// Slow tier: a static Rust binary (`rustc -C target-feature=+crt-static`, a static-pie that the
// loader maps wherever there is room) sleeps on two threads, reads the simulated clock and talks UDP
// and TCP to a dynamic echo server on another host. Needs rustc (Debian's `rustc` package, or
// rustup's in ~/.cargo/bin) with the glibc target's static libraries (libc6-dev).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { config, host, program, REPO, runUmbra, SLOW_HANG_TIMEOUT_MS, tempDir } from '../helpers/umbra';

/** rustc from PATH, else rustup's default place. */
function rustc(): string {
  const r = spawnSync('sh', ['-c', 'command -v rustc'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  const rustup = path.join(os.homedir(), '.cargo', 'bin', 'rustc');
  if (fs.existsSync(rustup)) return rustup;
  throw new Error('rustc is not installed (apt-get install -y rustc)');
}

test('static Rust (crt-static, static-pie): threads, simulated time, UDP and TCP to a dynamic peer', () => {
  const dir = tempDir('umbra-rust-');
  const bin = path.join(dir, 'static_client');
  const src = path.join(REPO, 'tests', 'programs', 'rust', 'static_client.rs');
  execFileSync(rustc(), ['-O', '-C', 'target-feature=+crt-static', '-o', bin, src], { cwd: dir, stdio: 'pipe' });
  assert.match(execFileSync('file', [bin]).toString(), /static-pie linked|statically linked/);
  const yaml = config(
    host('web', [{ path: program('static_peer'), args: 'serve 7000', expected_final_state: 'running' }]) +
      host('box', [{ path: bin, args: 'web 7000', start_time: '1 s' }]),
    'stop_time: 20 s',
  );
  const r = runUmbra(yaml, [], { timeoutMs: SLOW_HANG_TIMEOUT_MS });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(
    r.output('box', 'static_client.1000.stdout'),
    'thread slept 100 ms\nslept 1600 ms\nrealtime 946684802.600000000\n' +
      'udp reply: HELLO FROM RUST UDP\ntcp reply: HELLO FROM RUST TCP\n',
  );
});
