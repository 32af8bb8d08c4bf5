// loadConfig end to end (config.md §1–§8, §11): defaults, CLI precedence, host
// defaults folding, semantic checks, executable resolution and processed-config.yaml.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

import { loadConfig, processedConfigYaml } from '../../src/config/load';
import type { CliOverrides } from '../../src/config/load';
import { expandTilde, isStaticElf } from '../../src/config/executable';
import { launchShape } from '../../src/kernel/static-loader';
import { formatFinalState, parseSignal, signalName } from '../../src/config/signals';
import { ConfigError } from '../../src/config/types';
import type { Config } from '../../src/config/types';

let tmp = '';
const SH = fs.realpathSync('/bin/sh');

/** A minimal x86-64 (or host-arch) ELF executable header with one program header. */
function fakeElf(withInterp: boolean): Buffer {
  const machine = process.arch === 'arm64' ? 183 : 62;
  const buf = Buffer.alloc(64 + 56);
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = 2; // 64-bit
  buf[5] = 1; // little endian
  buf[6] = 1;
  buf.writeUInt16LE(2, 16); // ET_EXEC
  buf.writeUInt16LE(machine, 18);
  buf.writeUInt32LE(1, 20);
  buf.writeBigUInt64LE(64n, 32); // e_phoff
  buf.writeUInt16LE(64, 52); // e_ehsize
  buf.writeUInt16LE(56, 54); // e_phentsize
  buf.writeUInt16LE(1, 56); // e_phnum
  buf.writeUInt32LE(withInterp ? 3 : 1, 64); // PT_INTERP or PT_LOAD
  return buf;
}

function writeExec(rel: string, content: string | Buffer, mode = 0o755): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  return file;
}

before(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'umbra-config-')));
  writeExec('bin/static-prog', fakeElf(false));
  writeExec('bin/dyn-prog', fakeElf(true));
  writeExec('bin/script.sh', '#!/bin/sh\necho hi\n');
  writeExec('bin/bare-interp.sh', '#!sh -e\necho hi\n');
  writeExec('bin/static-script', `#!${path.join(tmp, 'bin/static-prog')}\n`);
  writeExec('bin/static-script2', `#!${path.join(tmp, 'bin/static-script')}\n`);
  writeExec('bin/no-exec', '#!/bin/sh\n', 0o644);
  writeExec('bin/text', 'hello\n');
  writeExec('bin/empty-shebang', '#!   \n');
  fs.symlinkSync(SH, path.join(tmp, 'bin/mysh'));
  writeExec('home/me/tools/prog', fakeElf(true));
  fs.writeFileSync(path.join(tmp, 'net.gml'), 'graph [ node [ id 0 ] ]\n');
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function ctx(): { cwd: string; env: NodeJS.ProcessEnv } {
  return { cwd: tmp, env: { PATH: `${path.join(tmp, 'bin')}:/usr/bin:/bin`, HOME: path.join(tmp, 'home/me') } };
}

function load(text: string, overrides: CliOverrides = {}): Config {
  return loadConfig({ text, fileName: 'config.yaml' }, overrides, ctx());
}

function rejects(text: string, pattern: RegExp, overrides: CliOverrides = {}): void {
  assert.throws(
    () => load(text, overrides),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

const NET = 'network: {graph: {type: 1_gbit_switch}}\n';
const oneHost = (proc: string): string => `hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - ${proc}\n`;
const EMPTY_HOST = 'hosts:\n  box: {network_node_id: 0, processes: []}\n';

test('§14 minimal configuration gets every default', () => {
  const cfg = load(`general: {stop_time: 30s}\n${NET}${oneHost('{path: sleep, args: "5"}')}`);
  assert.deepEqual(cfg.general, {
    stopTimeNs: 30e9,
    seed: 1,
    parallelism: 0,
    bootstrapEndTimeNs: 0,
    logLevel: 'info',
    heartbeatIntervalNs: 1e9,
    dataDirectory: 'umbra.data',
    templateDirectory: null,
    progress: false,
    modelUnblockedSyscallLatency: false,
    report: true,
  });
  assert.deepEqual(cfg.network, { graph: { type: '1_gbit_switch' }, useShortestPath: true });
  assert.equal(cfg.experimental.runaheadNs, 1e6);
  assert.equal(cfg.experimental.socketSendBufferBytes, 131072);
  assert.equal(cfg.experimental.socketRecvBufferBytes, 174760);
  assert.equal(cfg.experimental.maxUnappliedCpuLatencyNs, 1000);
  assert.equal(cfg.experimental.unblockedVdsoLatencyNs, 10);
  assert.equal(cfg.experimental.nativePreemptionNativeIntervalNs, 100e6);
  assert.equal(cfg.experimental.scheduler, 'thread-per-core');
  assert.equal(cfg.experimental.useSyscallCounters, true);
  const [host] = cfg.hosts;
  assert.deepEqual(host.options, { logLevel: null, pcapEnabled: false, pcapCaptureSizeBytes: 65535 });
  assert.equal(host.ipAddr, null);
  assert.equal(host.bandwidthDownBits, null);
  const [proc] = host.processes;
  assert.equal(proc.path, 'sleep');
  assert.equal(
    proc.resolvedPath,
    fs.realpathSync(
      execFileSync('sh', ['-c', 'command -v sleep'], { env: { PATH: '/usr/bin:/bin' } })
        .toString()
        .trim(),
    ),
  );
  assert.deepEqual(proc.args, ['5']);
  assert.deepEqual(proc.environment, []);
  assert.equal(proc.startTimeNs, 0);
  assert.equal(proc.shutdownTimeNs, null);
  assert.equal(proc.shutdownSignal, 15);
  assert.deepEqual(proc.expectedFinalState, { kind: 'exited', code: 0 });
});

test('every general, host and process key is read', () => {
  const cfg = load(`
general:
  stop_time: 1 hour
  seed: 42
  parallelism: 3
  bootstrap_end_time: 5 min
  log_level: trace
  heartbeat_interval: null
  data_directory: out.data
  template_directory: tmpl
  progress: true
  model_unblocked_syscall_latency: true
network:
  graph: {type: gml, inline: "graph [ node [ id 7 ] ]"}
  use_shortest_path: false
experimental:
  runahead: null
  interface_qdisc: round-robin
  strace_logging_mode: deterministic
  socket_send_buffer: 1 MiB
  native_preemption_native_interval: 1 us
hosts:
  srv:
    network_node_id: 7
    ip_addr: 11.0.0.9
    bandwidth_down: 100 Mbit
    bandwidth_up: 1 Gibit
    host_options: {log_level: debug, pcap_enabled: true, pcap_capture_size: 1 KiB}
    processes:
    - path: /bin/sh
      args: [-c, "exit 3"]
      environment: {LANG: C.UTF-8, EMPTY: "", "A;B": "x=y;z"}
      start_time: 2 s
      shutdown_time: 30 min
      shutdown_signal: SIGINT
      expected_final_state: {signaled: SIGINT}
    - path: /bin/sh
      shutdown_signal: 9
      expected_final_state: running
    - path: /bin/sh
      expected_final_state: {exited: 3}
`);
  assert.equal(cfg.general.stopTimeNs, 3600e9);
  assert.equal(cfg.general.seed, 42);
  assert.equal(cfg.general.parallelism, 3);
  assert.equal(cfg.general.bootstrapEndTimeNs, 300e9);
  assert.equal(cfg.general.logLevel, 'trace');
  assert.equal(cfg.general.heartbeatIntervalNs, null);
  assert.equal(cfg.general.dataDirectory, 'out.data');
  assert.equal(cfg.general.templateDirectory, 'tmpl');
  assert.equal(cfg.general.progress, true);
  assert.equal(cfg.general.modelUnblockedSyscallLatency, true);
  assert.deepEqual(cfg.network, { graph: { type: 'gml', inline: 'graph [ node [ id 7 ] ]' }, useShortestPath: false });
  assert.equal(cfg.experimental.runaheadNs, null);
  assert.equal(cfg.experimental.interfaceQdisc, 'round-robin');
  assert.equal(cfg.experimental.straceLoggingMode, 'deterministic');
  assert.equal(cfg.experimental.socketSendBufferBytes, 1 << 20);
  assert.equal(cfg.experimental.nativePreemptionNativeIntervalNs, 1000);
  const [h] = cfg.hosts;
  assert.equal(h.networkNodeId, 7);
  assert.equal(h.ipAddr, '11.0.0.9');
  assert.equal(h.bandwidthDownBits, 100e6);
  assert.equal(h.bandwidthUpBits, 2 ** 30);
  assert.deepEqual(h.options, { logLevel: 'debug', pcapEnabled: true, pcapCaptureSizeBytes: 1024 });
  const [p0, p1, p2] = h.processes;
  assert.deepEqual(p0.args, ['-c', 'exit 3']);
  assert.deepEqual(p0.environment, [
    ['LANG', 'C.UTF-8'],
    ['EMPTY', ''],
    ['A;B', 'x=y;z'],
  ]);
  assert.equal(p0.startTimeNs, 2e9);
  assert.equal(p0.shutdownTimeNs, 1800e9);
  assert.equal(p0.shutdownSignal, 2);
  assert.deepEqual(p0.expectedFinalState, { kind: 'signaled', signal: 2 });
  assert.equal(p1.shutdownSignal, 9);
  assert.deepEqual(p1.expectedFinalState, { kind: 'running' });
  assert.deepEqual(p2.expectedFinalState, { kind: 'exited', code: 3 });
});

test('signals and final states: names and numbers 1-31 only', () => {
  assert.equal(parseSignal('SIGTERM'), 15);
  assert.equal(parseSignal(9), 9);
  for (const bad of ['SIGIOT', 'SIGPOLL', 'SIGCLD', 'TERM', 'sigterm', 'SIGRTMIN'])
    assert.equal(parseSignal(bad), null, bad);
  for (const bad of [0, 32, 64, -1]) assert.equal(parseSignal(bad), null, String(bad));
  assert.equal(signalName(31), 'SIGSYS');
  assert.equal(signalName(1), 'SIGHUP');
  assert.equal(formatFinalState({ kind: 'exited', code: 0 }), '{exited: 0}');
  assert.equal(formatFinalState({ kind: 'signaled', signal: 9 }), '{signaled: SIGKILL}');
  assert.equal(formatFinalState({ kind: 'running' }), 'running');

  const base = `general: {stop_time: 10 s}\n${NET}`;
  rejects(
    base + oneHost('{path: /bin/sh, shutdown_signal: "9"}'),
    /shutdown_signal: expected a signal name like SIGTERM or a number 1-31, got '9' \(a string\); write numbers without quotes/,
  );
  rejects(base + oneHost('{path: /bin/sh, shutdown_signal: 0}'), /shutdown_signal: expected a signal/);
  rejects(base + oneHost('{path: /bin/sh, shutdown_signal: 34}'), /shutdown_signal: expected a signal/);
  rejects(base + oneHost('{path: /bin/sh, shutdown_signal: SIGIOT}'), /shutdown_signal: expected a signal/);
  rejects(
    base + oneHost('{path: /bin/sh, expected_final_state: exited}'),
    /expected_final_state: expected \{exited: <code>\}, \{signaled: <signal>\} or running, got 'exited'/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, expected_final_state: {exited: "0"}}'),
    /expected_final_state\.exited: expected an exit status/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, expected_final_state: {signaled: TERM}}'),
    /expected_final_state\.signaled: expected a signal/,
  );
});

test('stop_time may come from the command line only', () => {
  const cfg = load(`general: {}\n${NET}${EMPTY_HOST}`, { general: { stopTimeNs: 5e9 } });
  assert.equal(cfg.general.stopTimeNs, 5e9);
  rejects(
    `general: {}\n${NET}${EMPTY_HOST}`,
    /^config\.yaml: general: missing required key 'stop_time' \(set it in the file or give --stop-time\)$/,
  );
  rejects(`${NET}${EMPTY_HOST}`, /^config\.yaml: missing required key 'general'$/, { general: { stopTimeNs: 5e9 } });
});

test('precedence: command line > file > default', () => {
  const file = `general: {stop_time: 10 s, seed: 5, log_level: debug}\nnetwork: {graph: {type: 1_gbit_switch}, use_shortest_path: false}\nexperimental: {runahead: 2 ms}\n${EMPTY_HOST}`;
  const fromFile = load(file);
  assert.equal(fromFile.general.seed, 5);
  assert.equal(fromFile.general.logLevel, 'debug');
  assert.equal(fromFile.general.parallelism, 0);
  assert.equal(fromFile.network.useShortestPath, false);
  assert.equal(fromFile.experimental.runaheadNs, 2e6);
  const fromCli = load(file, {
    general: { seed: 7, stopTimeNs: 20e9, heartbeatIntervalNs: null, templateDirectory: null },
    network: { useShortestPath: true },
    experimental: { runaheadNs: null, useCpuPinning: false },
  });
  assert.equal(fromCli.general.seed, 7);
  assert.equal(fromCli.general.logLevel, 'debug');
  assert.equal(fromCli.general.stopTimeNs, 20e9);
  assert.equal(fromCli.general.heartbeatIntervalNs, null);
  assert.equal(fromCli.network.useShortestPath, true);
  assert.equal(fromCli.experimental.runaheadNs, null);
  assert.equal(fromCli.experimental.useCpuPinning, false);
});

test('host options: host_options > command line > host_option_defaults > built-in; null falls through', () => {
  const file = `general: {stop_time: 10 s}\n${NET}host_option_defaults: {pcap_enabled: true, log_level: info, pcap_capture_size: 100 B}
hosts:
  a: {network_node_id: 0, processes: [], host_options: {pcap_enabled: false}}
  b: {network_node_id: 0, processes: []}
  c: {network_node_id: 0, processes: [], host_options: {pcap_enabled: null, log_level: null, pcap_capture_size: 2 KiB}}
`;
  const opts = (cfg: Config): Array<[string, boolean, string | null, number]> =>
    cfg.hosts.map((h) => [h.name, h.options.pcapEnabled, h.options.logLevel, h.options.pcapCaptureSizeBytes]);
  assert.deepEqual(opts(load(file)), [
    ['a', false, 'info', 100],
    ['b', true, 'info', 100],
    ['c', true, 'info', 2048],
  ]);
  assert.deepEqual(
    opts(load(file, { hostOptionDefaults: { pcapEnabled: false, logLevel: null, pcapCaptureSizeBytes: 64 } })),
    [
      ['a', false, null, 64],
      ['b', false, null, 64],
      ['c', false, null, 2048],
    ],
  );
  // The CLI does not beat a host's own setting.
  assert.deepEqual(
    opts(
      load(file.replace('{pcap_enabled: false}', '{pcap_enabled: false, log_level: error}'), {
        hostOptionDefaults: { pcapEnabled: true, logLevel: 'trace' },
      }),
    ),
    [
      ['a', false, 'error', 100],
      ['b', true, 'trace', 100],
      ['c', true, 'trace', 2048],
    ],
  );
});

test('hosts are sorted byte-wise; processes keep list order', () => {
  const cfg = load(`general: {stop_time: 10 s}\n${NET}hosts:
  server: {network_node_id: 0, processes: [{path: /bin/sh, args: one}, {path: /bin/sh, args: two}]}
  client2: {network_node_id: 0, processes: []}
  client10: {network_node_id: 0, processes: []}
  "1234": {network_node_id: 0, processes: []}
`);
  assert.deepEqual(
    cfg.hosts.map((h) => h.name),
    ['1234', 'client10', 'client2', 'server'],
  );
  assert.deepEqual(
    cfg.hosts[3].processes.map((p) => p.args[0]),
    ['one', 'two'],
  );
});

test('host-name rules (§6.1)', () => {
  const withName = (name: string): string =>
    `general: {stop_time: 10 s}\n${NET}hosts:\n  ${name}: {network_node_id: 0, processes: []}\n`;
  for (const ok of ['a', 'web-1.example.com', '0', 'a'.repeat(253), 'x.', '.x', 'a..b']) {
    assert.equal(load(withName(`"${ok}"`)).hosts[0].name, ok);
  }
  rejects(withName('Server'), /^config\.yaml: hosts: host name 'Server' may only contain lower-case letters/);
  rejects(withName('my_host'), /host name 'my_host' may only contain/);
  rejects(withName('"-a"'), /host name '-a' must not begin with '-'/);
  rejects(withName('""'), /host name '' is empty/);
  rejects(withName(`"${'a'.repeat(254)}"`), /longer than 253 characters/);
  rejects(withName('localhost'), /host name 'localhost' is reserved/);
  rejects(withName('LOCALHOST'), /host name 'LOCALHOST'/);
});

test('at least one host; processes and network_node_id are required', () => {
  rejects(`general: {stop_time: 10 s}\n${NET}hosts: {}\n`, /^config\.yaml: hosts: at least one host is required$/);
  rejects(`general: {stop_time: 10 s}\n${NET}`, /^config\.yaml: missing required key 'hosts'$/);
  rejects(
    `general: {stop_time: 10 s}\n${NET}hosts:\n  box: {network_node_id: 0}\n`,
    /hosts\.box: missing required key 'processes'/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${NET}hosts:\n  box: {processes: []}\n`,
    /hosts\.box: missing required key 'network_node_id'/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${NET}hosts:\n  box: {network_node_id: 0, processes: [{args: x}]}\n`,
    /hosts\.box\.processes\[0\]: missing required key 'path'/,
  );
});

test('process times must lie before stop_time; shutdown between start and stop', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  rejects(
    base + oneHost('{path: /bin/sh, start_time: 10 s}'),
    /^config\.yaml: hosts\.box\.processes\[0\]\.start_time: 10 sec is not before general\.stop_time \(10 sec\)$/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, start_time: 2 s, shutdown_time: 2 s}'),
    /shutdown_time: 2 sec is not after start_time \(2 sec\)/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, shutdown_time: 10000 ms}'),
    /shutdown_time: 10000 ms is not before general\.stop_time/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, start_time: -1 s}'),
    /start_time: expected a time like "10 s", got '-1 s' \(a string\): a time cannot be negative/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, start_time: -1}'),
    /start_time: expected a time like "10 s", got -1 \(a YAML integer\): a time cannot be negative/,
  );
  rejects(base + oneHost('{path: /bin/sh, start_time: null}'), /start_time: expected a time like "10 s", got null/);
  // The time check comes before the executable check (§1 step 7 order).
  rejects(base + oneHost('{path: nosuchprog, start_time: 1 min}'), /start_time: 1 min is not before/);
  const ok = load(base + oneHost('{path: /bin/sh, start_time: 9999 ms, shutdown_time: null}'));
  assert.equal(ok.hosts[0].processes[0].startTimeNs, 9999e6);
});

test('string args are split; split errors name the key', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  const cfg = load(base + oneHost(`{path: /bin/sh, args: "-c 'echo a b' # note"}`));
  assert.deepEqual(cfg.hosts[0].processes[0].args, ['-c', 'echo a b']);
  const folded = load(
    `${base}hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - path: /bin/sh\n      args: -c\n        'exit 0'\n`,
  );
  assert.deepEqual(folded.hosts[0].processes[0].args, ['-c', 'exit 0']);
  rejects(
    base + oneHost(`{path: /bin/sh, args: "-c 'oops"}`),
    /^config\.yaml: hosts\.box\.processes\[0\]\.args: cannot split into arguments: .*quote/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, args: "# just a comment"}'),
    /args: cannot split into arguments: text was empty/,
  );
  rejects(
    base + oneHost('{path: /bin/sh, args: 5}'),
    /args: expected a string or a list of strings, got 5 \(a YAML integer\)/,
  );
  assert.deepEqual(load(base + oneHost('{path: /bin/sh, args: "   "}')).hosts[0].processes[0].args, []);
});

test('executables: PATH search, cwd-relative paths, ~ expansion, realpath', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  const proc = (p: string): Config['hosts'][number]['processes'][number] =>
    load(base + oneHost(`{path: "${p}"}`)).hosts[0].processes[0];
  assert.equal(proc('dyn-prog').resolvedPath, path.join(tmp, 'bin/dyn-prog'));
  assert.equal(proc('dyn-prog').path, 'dyn-prog');
  assert.equal(proc('./bin/dyn-prog').resolvedPath, path.join(tmp, 'bin/dyn-prog'));
  assert.equal(proc('./bin/dyn-prog').path, './bin/dyn-prog');
  assert.equal(proc('mysh').resolvedPath, SH);
  const tilde = proc('~/tools/prog');
  assert.equal(tilde.path, path.join(tmp, 'home/me/tools/prog'));
  assert.equal(tilde.resolvedPath, path.join(tmp, 'home/me/tools/prog'));
  assert.equal(proc('script.sh').resolvedPath, path.join(tmp, 'bin/script.sh'));
  assert.equal(proc('bare-interp.sh').resolvedPath, path.join(tmp, 'bin/bare-interp.sh'));
});

test('tilde expansion rules', () => {
  const env = { HOME: '/h' };
  assert.equal(expandTilde('~', env), '/h');
  assert.equal(expandTilde('~/x/y', env), '/h/x/y');
  assert.equal(expandTilde('~bob/bin/x', env), '/home/bob/bin/x');
  assert.equal(expandTilde('~bob', env), '/home/bob');
  assert.equal(expandTilde('~+/x', env), '~+/x');
  assert.equal(expandTilde('~-', env), '~-');
  assert.equal(expandTilde('a/~/b', env), 'a/~/b');
});

test('executables: missing, non-executable, non-ELF and static programs are refused', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  const at = /^config\.yaml: hosts\.box\.processes\[0\]\.path: /;
  const check = (p: string, reason: RegExp): void =>
    rejects(base + oneHost(`{path: "${p}"}`), new RegExp(at.source + '.*' + reason.source));
  check('nosuchprog', /'nosuchprog' not found in PATH$/);
  check('./nothing-here', /'\.\/nothing-here' does not exist/);
  check('/bin', /is not a regular file/);
  check('./bin/no-exec', /is not executable/);
  check('no-exec', /'no-exec' not found in PATH$/);
  check('./bin/text', /is neither an ELF executable nor a #! script/);
  check('./bin/empty-shebang', /#! script without an interpreter/);
  check('static-script2', /is a script whose interpreter cannot be used: .*statically linked/);
});

test('static ELFs and scripts whose interpreter is one run through the loader', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  const proc = load(base + oneHost('{path: static-prog}')).hosts[0].processes[0];
  assert.equal(proc.resolvedPath, path.join(tmp, 'bin/static-prog'));
  const script = load(base + oneHost('{path: static-script}')).hosts[0].processes[0];
  assert.equal(script.resolvedPath, path.join(tmp, 'bin/static-script'));
  assert.deepEqual(launchShape(script.resolvedPath, script.resolvedPath, tmp), {
    kind: process.arch === 'x64' ? 'script' : 'dynamic-script',
    written: path.join(tmp, 'bin/static-prog'),
    arg: null,
    image: path.join(tmp, 'bin/static-prog'),
    exe: fs.realpathSync(path.join(tmp, 'bin/static-prog')),
  });
  const sh = path.join(tmp, 'bin/script.sh');
  assert.equal(launchShape(sh, sh, tmp).kind, 'dynamic-script', 'its interpreter is /bin/sh, a dynamic ELF');
  assert.equal(isStaticElf(path.join(tmp, 'bin/static-prog')), process.arch === 'x64');
  assert.equal(isStaticElf(path.join(tmp, 'bin/dyn-prog')), false);
  assert.equal(isStaticElf(path.join(tmp, 'bin/script.sh')), false);
});

test('launchShape remembers a file only while it stays the same: rewritten or made unreadable, it is read again', () => {
  const file = writeExec('bin/changing', fakeElf(false));
  const staticShape = process.arch === 'x64' ? 'static' : 'plain';
  assert.equal(launchShape(file, file, tmp).kind, staticShape);
  assert.equal(launchShape(file, file, tmp).kind, staticShape, 'a second start of the same file');
  // Same inode, new content of another size: no longer static.
  fs.writeFileSync(file, Buffer.concat([fakeElf(true), Buffer.alloc(8)]));
  assert.equal(launchShape(file, file, tmp).kind, 'dynamic');
  fs.writeFileSync(file, '#!/bin/sh\necho hi\n');
  assert.equal(launchShape(file, file, tmp).kind, 'dynamic-script');
  // Renamed over by another file of the first kind.
  const other = writeExec('bin/changing.new', fakeElf(false));
  fs.renameSync(other, file);
  assert.equal(launchShape(file, file, tmp).kind, staticShape);
  fs.rmSync(file);
  assert.equal(launchShape(file, file, tmp).kind, 'plain', 'a file that is gone starts as it is (and fails there)');
});

test('a real static binary on this machine is accepted', (t) => {
  let staticBinary: string | null = null;
  for (const candidate of ['/usr/sbin/ldconfig', '/sbin/ldconfig.real', '/sbin/ldconfig']) {
    try {
      const out = execFileSync('file', ['-L', candidate]).toString();
      if (/statically linked|static-pie linked/.test(out)) {
        staticBinary = candidate;
        break;
      }
    } catch {
      // Not present, or no `file` tool.
    }
  }
  if (staticBinary === null) {
    t.skip('no static binary found on this machine (the synthetic ELF test covers the logic)');
    return;
  }
  const loaded = load(`general: {stop_time: 10 s}\n${NET}${oneHost(`{path: ${staticBinary}}`)}`);
  assert.equal(isStaticElf(loaded.hosts[0].processes[0].resolvedPath), process.arch === 'x64');
});

test('network.graph shape', () => {
  const g = (graph: string): string => `general: {stop_time: 10 s}\nnetwork: {graph: ${graph}}\n${EMPTY_HOST}`;
  assert.deepEqual(load(g('{type: 1_gbit_switch, whatever: 1}')).network.graph, { type: '1_gbit_switch' });
  assert.deepEqual(load(g('{type: gml, file: {path: net.gml}}')).network.graph, {
    type: 'gml',
    file: { path: path.join(tmp, 'net.gml'), compression: null },
  });
  assert.deepEqual(load(g('{type: gml, file: {path: net.gml, compression: xz}}')).network.graph, {
    type: 'gml',
    file: { path: path.join(tmp, 'net.gml'), compression: 'xz' },
  });
  rejects(g('{type: gml}'), /^config\.yaml: network\.graph: with type gml, one of 'inline' or 'file' is required$/);
  rejects(
    g('{type: gml, inline: "graph []", file: {path: net.gml}}'),
    /network\.graph: give only one of 'inline' and 'file'/,
  );
  rejects(g('{type: GML, inline: x}'), /network\.graph\.type: expected one of gml, 1_gbit_switch, got 'GML'/);
  rejects(g('{inline: x}'), /network\.graph: missing required key 'type'/);
  rejects(g('{type: gml, file: {path: missing.gml}}'), /network\.graph\.file\.path: 'missing\.gml' does not exist/);
  rejects(
    g('{type: gml, file: {path: net.gml, compression: gzip}}'),
    /network\.graph\.file\.compression: expected one of xz/,
  );
  rejects(g('{type: gml, inline: 5}'), /network\.graph\.inline: expected a string/);
  rejects(
    `general: {stop_time: 10 s}\nnetwork: {}\n${EMPTY_HOST}`,
    /^config\.yaml: network: missing required key 'graph'$/,
  );
});

test('ip_addr: dotted quad, not reserved, unique', () => {
  const two = (a: string, b: string): string =>
    `general: {stop_time: 10 s}\n${NET}hosts:\n  a: {network_node_id: 0, processes: [], ip_addr: "${a}"}\n  b: {network_node_id: 0, processes: [], ip_addr: "${b}"}\n`;
  assert.deepEqual(
    load(two('10.0.0.0', '192.168.1.255')).hosts.map((h) => h.ipAddr),
    ['10.0.0.0', '192.168.1.255'],
  );
  rejects(two('1.2.3', '1.2.3.5'), /hosts\.a\.ip_addr: expected an IPv4 address/);
  rejects(two('1.2.3.256', '1.2.3.5'), /hosts\.a\.ip_addr: expected an IPv4 address/);
  rejects(two('01.2.3.4', '1.2.3.5'), /hosts\.a\.ip_addr: expected an IPv4 address/);
  rejects(two('127.0.0.2', '1.2.3.5'), /hosts\.a\.ip_addr: 127\.0\.0\.2 is a loopback address/);
  rejects(two('0.0.0.0', '1.2.3.5'), /unspecified/);
  rejects(two('224.0.0.1', '1.2.3.5'), /multicast/);
  rejects(two('255.255.255.255', '1.2.3.5'), /broadcast/);
  rejects(two('1.2.3.4', '1.2.3.4'), /hosts\.b\.ip_addr: 1\.2\.3\.4 is already the address of host 'a'/);
});

test('enumerations use exact spellings', () => {
  const base = (general: string, experimental = '{}'): string =>
    `general: {stop_time: 10 s, ${general}}\n${NET}experimental: ${experimental}\n${EMPTY_HOST}`;
  rejects(
    base('log_level: warn'),
    /general\.log_level: expected one of error, warning, info, debug, trace, got 'warn'/,
  );
  rejects(base('log_level: INFO'), /general\.log_level/);
  rejects(
    base('seed: 1', '{scheduler: thread_per_core}'),
    /experimental\.scheduler: expected one of thread-per-core, thread-per-host/,
  );
  rejects(base('seed: 1', '{use_cpu_pinning: 1}'), /experimental\.use_cpu_pinning: expected true or false, got 1/);
  rejects(
    base('heartbeat_interval: ~', '{socket_send_buffer: 1 kB}'),
    /experimental\.socket_send_buffer: expected a size like "64 KiB", got '1 kB'/,
  );
});

test('native_preemption_native_interval must be at least 1 microsecond', () => {
  const text = (v: string): string =>
    `general: {stop_time: 10 s}\n${NET}experimental: {native_preemption_native_interval: ${v}}\n${EMPTY_HOST}`;
  assert.equal(load(text('1 μs')).experimental.nativePreemptionNativeIntervalNs, 1000);
  rejects(
    text('999 ns'),
    /^config\.yaml: experimental\.native_preemption_native_interval: 999 ns is below the 1 μs minimum$/,
  );
  rejects(text('10 ms'), /below the 1 μs minimum/, { experimental: { nativePreemptionNativeIntervalNs: 0 } });
});

test('environment names and values', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  rejects(base + oneHost('{path: /bin/sh, environment: {"A=B": x}}'), /environment: invalid variable name 'A=B'/);
  rejects(base + oneHost('{path: /bin/sh, environment: [A]}'), /environment: expected a mapping/);
  rejects(base + oneHost('{path: /bin/sh, environment: {A: null}}'), /environment\.A: expected a string, got null/);
});

test('processed-config.yaml: exact text for a small configuration', () => {
  const text = `
x-common: &common
  network_node_id: 0
general:
  stop_time: 10m
  seed: 3
  heartbeat_interval: 500ms
network:
  graph:
    type: gml
    inline: |
      graph [
        node [ id 0 ]
      ]
experimental:
  runahead: 2000 us
host_option_defaults:
  pcap_enabled: true
hosts:
  server:
    <<: *common
    bandwidth_down: 100 megabits
    bandwidth_up: 10 Mbit
    host_options: {pcap_capture_size: 1 KiB}
    processes:
    - path: /bin/sh
      args: -c 'echo "hi there"'
      environment: {GREETING: "hello world", N: "8080", B: "true"}
      start_time: 1500ms
      shutdown_time: 2 min
      shutdown_signal: SIGINT
      expected_final_state: running
  client:
    <<: *common
    ip_addr: 11.0.0.5
    processes:
    - {path: ./bin/dyn-prog, args: [a b, ""], expected_final_state: {signaled: 9}}
`;
  const cfg = load(text, {
    general: { parallelism: 2 },
    experimental: { socketRecvBufferBytes: 2048 },
    units: { 'experimental.socket_recv_buffer': 'KiB' },
  });
  const expected = `general:
  stop_time: 10 min
  seed: 3
  parallelism: 2
  bootstrap_end_time: 0 sec
  log_level: info
  heartbeat_interval: 500 ms
  data_directory: umbra.data
  template_directory: null
  progress: false
  model_unblocked_syscall_latency: false
  report: true
network:
  graph:
    type: gml
    inline: |
      graph [
        node [ id 0 ]
      ]
  use_shortest_path: true
experimental:
  use_sched_fifo: false
  use_syscall_counters: true
  use_object_counters: false
  use_preload_libc: true
  use_preload_openssl_rng: true
  use_preload_openssl_crypto: false
  use_memory_manager: false
  use_cpu_pinning: false
  use_worker_spinning: false
  runahead: 2000 μs
  use_dynamic_runahead: false
  socket_send_buffer: 131072 B
  socket_send_autotune: true
  socket_recv_buffer: 2 KiB
  socket_recv_autotune: true
  interface_qdisc: fifo
  strace_logging_mode: off
  max_unapplied_cpu_latency: 1 μs
  unblocked_syscall_latency: 1 μs
  unblocked_vdso_latency: 10 ns
  scheduler: thread-per-core
  report_errors_to_stderr: true
  use_new_tcp: false
  native_preemption_enabled: false
  native_preemption_native_interval: 100 ms
  native_preemption_sim_interval: 10 ms
  watchdog_timeout: 1 min
hosts:
  client:
    network_node_id: 0
    processes:
      - path: ./bin/dyn-prog
        args: ["a b", ""]
        environment: {}
        start_time: 0 sec
        shutdown_time: null
        shutdown_signal: SIGTERM
        expected_final_state: {signaled: SIGKILL}
    ip_addr: 11.0.0.5
    bandwidth_down: null
    bandwidth_up: null
    host_options:
      log_level: null
      pcap_enabled: true
      pcap_capture_size: 65535 B
  server:
    network_node_id: 0
    processes:
      - path: /bin/sh
        args: ["-c", "echo \\"hi there\\""]
        environment:
          GREETING: hello world
          N: "8080"
          B: "true"
        start_time: 1500 ms
        shutdown_time: 2 min
        shutdown_signal: SIGINT
        expected_final_state: running
    ip_addr: null
    bandwidth_down: 100 Mbit
    bandwidth_up: 10 Mbit
    host_options:
      log_level: null
      pcap_enabled: true
      pcap_capture_size: 1 KiB
`;
  const out = processedConfigYaml(cfg);
  assert.equal(out, expected);
  // Deterministic, and umbra reads its own output back to the same configuration.
  assert.equal(
    processedConfigYaml(
      load(text, {
        general: { parallelism: 2 },
        experimental: { socketRecvBufferBytes: 2048 },
        units: { 'experimental.socket_recv_buffer': 'KiB' },
      }),
    ),
    out,
  );
  const reloaded = load(out);
  assert.deepEqual({ ...reloaded, units: undefined }, { ...cfg, units: undefined });
  assert.equal(processedConfigYaml(reloaded), out);
});

test('arguments and environment larger than execve takes are refused with the key named', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  const web = (proc: string): string => `hosts:\n  web:\n    network_node_id: 0\n    processes:\n    - ${proc}\n`;
  const limits = 'Linux accepts at most 131072 bytes per argument \\(MAX_ARG_STRLEN\\) and about 2 MiB in all';
  // 10 MiB once, as a plain scalar (a quoted one costs the YAML parser seconds); 200 000 bytes elsewhere.
  rejects(
    base + web(`{path: /bin/sh, args: ${'x'.repeat(10 * 1024 * 1024)}}`),
    new RegExp(`^config\\.yaml: hosts\\.web\\.processes\\[0\\]\\.args: 10485760 bytes; ${limits}$`),
  );
  const big = 'x'.repeat(200_000);
  rejects(
    base + web(`{path: /bin/sh, args: "-c ${big}"}`),
    /^config\.yaml: hosts\.web\.processes\[0\]\.args: argument 2 has 200000 bytes; Linux accepts/,
  );
  rejects(
    base + web(`{path: /bin/sh, args: [-c, "${big}"]}`),
    /^config\.yaml: hosts\.web\.processes\[0\]\.args\[1\]: 200000 bytes; /,
  );
  rejects(
    base + web(`{path: /bin/sh, environment: {BIG: "${big}"}}`),
    /^config\.yaml: hosts\.web\.processes\[0\]\.environment\.BIG: 200004 bytes; /,
  );
  // The boundary: 131071 bytes and its NUL fit; one more does not.
  const atLimit = 'y'.repeat(131071);
  assert.deepEqual(load(base + web(`{path: /bin/sh, args: ["${atLimit}"]}`)).hosts[0].processes[0].args, [atLimit]);
  rejects(base + web(`{path: /bin/sh, args: ["${atLimit}y"]}`), /args\[0\]: 131072 bytes; /);
  // Each string fits but all of them together do not (20 × 120 000 bytes > 2 MiB).
  const many = Array.from({ length: 20 }, () => `"${'z'.repeat(120_000)}"`).join(', ');
  rejects(
    base + web(`{path: /bin/sh, args: [${many}]}`),
    new RegExp(`^config\\.yaml: hosts\\.web\\.processes\\[0\\]: arguments and environment take \\d+ bytes; ${limits}$`),
  );
  const some = Array.from({ length: 15 }, () => `"${'z'.repeat(120_000)}"`).join(', ');
  assert.equal(load(base + web(`{path: /bin/sh, args: [${some}]}`)).hosts[0].processes[0].args.length, 15);
});

test('a host bandwidth of zero is refused', () => {
  const base = `general: {stop_time: 10 s}\n${NET}`;
  const host = (bw: string): string => `hosts:\n  web:\n    network_node_id: 0\n    ${bw}\n    processes: []\n`;
  rejects(
    base + host('bandwidth_down: 0 bit'),
    /^config\.yaml: hosts\.web\.bandwidth_down: expected a bandwidth greater than zero, got '0 bit' \(a string\)$/,
  );
  rejects(
    base + host('bandwidth_up: 0'),
    /^config\.yaml: hosts\.web\.bandwidth_up: expected a bandwidth greater than zero/,
  );
  assert.equal(load(base + host('bandwidth_up: 1 bit')).hosts[0].bandwidthUpBits, 1);
});
