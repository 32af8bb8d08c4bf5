// Command-line parsing (config.md §10): each kind of flag, null-accepting flags,
// explicit booleans, help/version, and one-line errors for bad arguments.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseArgs } from '../../src/cli/args';
import type { ParsedArgs } from '../../src/cli/args';
import type { CliOverrides } from '../../src/config/load';
import { ConfigError } from '../../src/config/types';

function run(argv: string[]): Extract<ParsedArgs, { kind: 'run' }> {
  const parsed = parseArgs(argv);
  assert.equal(parsed.kind, 'run');
  return parsed as Extract<ParsedArgs, { kind: 'run' }>;
}

function overrides(...flags: string[]): CliOverrides {
  return run([...flags, 'config.yaml']).overrides;
}

function fails(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseArgs(argv),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('check-determinism as the first argument or as a flag, removed from what the runs get', () => {
  const a = parseArgs(['check-determinism', '--seed', '3', 'exp.yaml']);
  assert.ok(a.kind === 'run' && a.checkDeterminism);
  assert.deepEqual(a.kind === 'run' ? a.runArgv : [], ['--seed', '3', 'exp.yaml']);
  const b = parseArgs(['--seed', '3', '--check-determinism', 'exp.yaml']);
  assert.ok(b.kind === 'run' && b.checkDeterminism && b.overrides.general?.seed === 3);
  assert.deepEqual(b.kind === 'run' ? b.runArgv : [], ['--seed', '3', 'exp.yaml']);
  const c = parseArgs(['--report', 'false', 'exp.yaml']);
  assert.ok(c.kind === 'run' && !c.checkDeterminism && c.overrides.general?.report === false);
});

test('a bare config path gives no overrides', () => {
  assert.deepEqual(parseArgs(['exp.yaml']), {
    kind: 'run',
    configPath: 'exp.yaml',
    showConfig: false,
    overrides: {},
    checkDeterminism: false,
    runArgv: ['exp.yaml'],
  });
  assert.equal(run(['-']).configPath, '-');
  assert.equal(run(['--show-config', 'x.yaml']).showConfig, true);
});

test('time flags are parsed to nanoseconds and remember their unit', () => {
  assert.deepEqual(overrides('--stop-time', '10s'), {
    general: { stopTimeNs: 10e9 },
    units: { 'general.stop_time': 'sec' },
  });
  assert.deepEqual(overrides('--stop-time=2min').general, { stopTimeNs: 120e9 });
  assert.deepEqual(overrides('--bootstrap-end-time', '500 ms').general, { bootstrapEndTimeNs: 500e6 });
  assert.deepEqual(overrides('--heartbeat-interval', '5'), {
    general: { heartbeatIntervalNs: 5e9 },
    units: { 'general.heartbeat_interval': 'sec' },
  });
  assert.deepEqual(overrides('--runahead', '3ms'), {
    experimental: { runaheadNs: 3e6 },
    units: { 'experimental.runahead': 'ms' },
  });
  assert.deepEqual(overrides('--unblocked-vdso-latency', '20ns').experimental, { unblockedVdsoLatencyNs: 20 });
  assert.deepEqual(overrides('--native-preemption-native-interval', '5 μs').experimental, {
    nativePreemptionNativeIntervalNs: 5000,
  });
});

test('null is accepted only by the flags that allow it', () => {
  assert.deepEqual(overrides('--heartbeat-interval', 'null').general, { heartbeatIntervalNs: null });
  assert.deepEqual(overrides('-e', 'null').general, { templateDirectory: null });
  assert.deepEqual(overrides('--template-directory', 'tmpl').general, { templateDirectory: 'tmpl' });
  assert.deepEqual(overrides('--host-log-level', 'null').hostOptionDefaults, { logLevel: null });
  assert.deepEqual(overrides('--runahead', 'null').experimental, { runaheadNs: null });
  fails(['--stop-time', 'null', 'x'], /^--stop-time: expected a time like "10s", got 'null'/);
  fails(['--log-level', 'null', 'x'], /^--log-level: expected one of/);
  fails(['--max-unapplied-cpu-latency', 'null', 'x'], /^--max-unapplied-cpu-latency: expected a time/);
});

test('integer, level and path flags', () => {
  assert.deepEqual(overrides('--seed', '42').general, { seed: 42 });
  assert.deepEqual(overrides('-p', '4').general, { parallelism: 4 });
  assert.deepEqual(overrides('--parallelism', '0').general, { parallelism: 0 });
  assert.deepEqual(overrides('-l', 'debug').general, { logLevel: 'debug' });
  assert.deepEqual(overrides('--log-level', 'warning').general, { logLevel: 'warning' });
  assert.deepEqual(overrides('-d', 'out.data').general, { dataDirectory: 'out.data' });
  assert.deepEqual(overrides('--host-log-level', 'trace').hostOptionDefaults, { logLevel: 'trace' });
  fails(['--seed', '1.5', 'x'], /^--seed: expected an unsigned 32-bit integer, got '1\.5'$/);
  fails(['--seed', '4294967296', 'x'], /^--seed: expected an unsigned 32-bit integer/);
  fails(['-p', 'many', 'x'], /^--parallelism: expected an unsigned 32-bit integer, got 'many'$/);
  fails(['-l', 'warn', 'x'], /^--log-level: expected one of error, warning, info, debug, trace, got 'warn'$/);
  fails(['--host-log-level', 'INFO', 'x'], /^--host-log-level: expected one of/);
});

test('booleans need an explicit true or false', () => {
  assert.deepEqual(overrides('--progress', 'true').general, { progress: true });
  assert.deepEqual(overrides('--progress=false').general, { progress: false });
  assert.deepEqual(overrides('--model-unblocked-syscall-latency', 'true').general, {
    modelUnblockedSyscallLatency: true,
  });
  assert.deepEqual(overrides('--use-shortest-path', 'false').network, { useShortestPath: false });
  assert.deepEqual(overrides('--pcap-enabled', 'true').hostOptionDefaults, { pcapEnabled: true });
  assert.deepEqual(overrides('--use-cpu-pinning=false').experimental, { useCpuPinning: false });
  assert.deepEqual(overrides('--use-new-tcp', 'true', '--native-preemption-enabled', 'true').experimental, {
    useNewTcp: true,
    nativePreemptionEnabled: true,
  });
  fails(['--progress', 'maybe', 'x'], /^--progress: expected true or false, got 'maybe'$/);
  fails(['--progress', 'yes', 'x'], /^--progress: expected true or false, got 'yes'$/);
  fails(['x', '--progress'], /^--progress: missing value \(expected true or false\)$/);
  fails(['x', '--use-cpu-pinning'], /^--use-cpu-pinning: missing value/);
});

test('size and enumeration flags', () => {
  assert.deepEqual(overrides('--pcap-capture-size', '1KiB'), {
    hostOptionDefaults: { pcapCaptureSizeBytes: 1024 },
    units: { 'host_option_defaults.pcap_capture_size': 'KiB' },
  });
  assert.deepEqual(overrides('--socket-send-buffer', '256 KB').experimental, { socketSendBufferBytes: 256_000 });
  assert.deepEqual(overrides('--socket-recv-buffer', '1000').experimental, { socketRecvBufferBytes: 1000 });
  assert.deepEqual(overrides('--scheduler', 'thread-per-host').experimental, { scheduler: 'thread-per-host' });
  assert.deepEqual(overrides('--interface-qdisc', 'round-robin').experimental, { interfaceQdisc: 'round-robin' });
  assert.deepEqual(overrides('--strace-logging-mode', 'standard').experimental, { straceLoggingMode: 'standard' });
  fails(
    ['--pcap-capture-size', '1 kB', 'x'],
    /^--pcap-capture-size: expected a size like "64KiB", got '1 kB': unknown size unit 'kB'/,
  );
  fails(
    ['--scheduler', 'thread_per_core', 'x'],
    /^--scheduler: expected one of thread-per-core, thread-per-host, got 'thread_per_core'$/,
  );
});

test('every experimental key has a flag', () => {
  const flags = [
    ['--use-sched-fifo', 'true'],
    ['--use-syscall-counters', 'false'],
    ['--use-object-counters', 'false'],
    ['--use-preload-libc', 'false'],
    ['--use-preload-openssl-rng', 'false'],
    ['--use-preload-openssl-crypto', 'true'],
    ['--use-memory-manager', 'true'],
    ['--use-cpu-pinning', 'false'],
    ['--use-worker-spinning', 'false'],
    ['--runahead', '1ms'],
    ['--use-dynamic-runahead', 'true'],
    ['--socket-send-buffer', '1B'],
    ['--socket-send-autotune', 'false'],
    ['--socket-recv-buffer', '1B'],
    ['--socket-recv-autotune', 'false'],
    ['--interface-qdisc', 'fifo'],
    ['--strace-logging-mode', 'off'],
    ['--max-unapplied-cpu-latency', '1us'],
    ['--unblocked-syscall-latency', '1us'],
    ['--unblocked-vdso-latency', '1ns'],
    ['--scheduler', 'thread-per-core'],
    ['--report-errors-to-stderr', 'false'],
    ['--use-new-tcp', 'true'],
    ['--native-preemption-enabled', 'true'],
    ['--native-preemption-native-interval', '1ms'],
    ['--native-preemption-sim-interval', '1ms'],
  ];
  const result = overrides(...flags.flat());
  assert.equal(Object.keys(result.experimental ?? {}).length, 26);
});

test('the last of repeated flags wins', () => {
  assert.deepEqual(overrides('--seed', '1', '--seed', '2').general, { seed: 2 });
});

test('bad command lines are one-line ConfigErrors', () => {
  fails([], /^missing CONFIG argument/);
  fails(['--seed', '3'], /^missing CONFIG argument/);
  fails(['a.yaml', 'b.yaml'], /^too many arguments/);
  fails(['--stop-tim', '5s', 'x'], /^unknown option '--stop-tim' \(Did you mean --stop-time\?\)$/);
  fails(['-s', '5', 'x'], /^unknown option '-s'/);
  fails(['--stop-time', '-1s', 'x'], /^--stop-time: expected a time like "10s", got '-1s': a time cannot be negative$/);
});

test('help and version', () => {
  const full = parseArgs(['--help']);
  assert.equal(full.kind, 'help');
  const fullText = full.kind === 'help' ? full.text : '';
  assert.match(fullText, /^Usage: umbra \[options\] CONFIG/);
  assert.match(fullText, /npx umbra \[options\] CONFIG/);
  assert.match(fullText, /--stop-time <time>/);
  assert.match(fullText, /--pcap-capture-size <bytes>.*default 65535 B/s);
  assert.match(fullText, /--use-preload-libc <true\|false>/);
  // Accepted for Shadow compatibility, without an effect: not offered.
  assert.doesNotMatch(
    fullText,
    /--use-cpu-pinning|--use-sched-fifo|--use-worker-spinning|--use-object-counters|--use-memory-manager/,
  );
  assert.match(fullText, /--runahead <time\|null>/);
  const short = parseArgs(['-h']);
  const shortText = short.kind === 'help' ? short.text : '';
  assert.match(shortText, /--stop-time/);
  assert.doesNotMatch(shortText, /--use-cpu-pinning/);
  assert.match(shortText, /--help also lists the experimental options/);
  // Help wins even over other mistakes on the line.
  assert.equal(parseArgs(['--bogus', '--help']).kind, 'help');
  const version = parseArgs(['-V']);
  assert.equal(version.kind, 'version');
  assert.match(version.kind === 'version' ? version.text : '', /^umbra \d+\.\d+\.\d+/);
  assert.equal(parseArgs(['--version']).kind, 'version');
});
