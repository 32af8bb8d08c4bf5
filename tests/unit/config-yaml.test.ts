// YAML reading rules of the loader (config.md §1): scalar typing, merge keys,
// anchors, x- keys, duplicate and unknown keys — each error naming file and key.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadConfig } from '../../src/config/load';
import type { CliOverrides } from '../../src/config/load';
import { ConfigError } from '../../src/config/types';
import type { Config } from '../../src/config/types';
import { resolvePlain } from '../../src/config/yaml-tree';

const ctx = { cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: '/root' } };

function load(text: string, overrides: CliOverrides = {}): Config {
  return loadConfig({ text, fileName: 'config.yaml' }, overrides, ctx);
}

/** Asserts a ConfigError whose whole (single-line) message matches `pattern`. */
function rejects(text: string, pattern: RegExp, overrides: CliOverrides = {}): void {
  assert.throws(
    () => load(text, overrides),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.ok(!err.message.includes('\n'), `message must be one line: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

const BASE = 'network: {graph: {type: 1_gbit_switch}}\n';
const HOST = 'hosts:\n  box:\n    network_node_id: 0\n    processes: []\n';

test('plain scalars resolve like serde_yaml 0.9', () => {
  const table: Array<[string, string]> = [
    ['', 'null'],
    ['~', 'null'],
    ['null', 'null'],
    ['Null', 'null'],
    ['NULL', 'null'],
    ['true', 'bool'],
    ['True', 'bool'],
    ['TRUE', 'bool'],
    ['false', 'bool'],
    ['FALSE', 'bool'],
    ['yes', 'str'],
    ['no', 'str'],
    ['on', 'str'],
    ['off', 'str'],
    ['tRUE', 'str'],
    ['0', 'int'],
    ['12', 'int'],
    ['-3', 'int'],
    ['+4', 'int'],
    ['0x1F', 'int'],
    ['0o17', 'int'],
    ['0b101', 'int'],
    ['010', 'str'],
    ['-010', 'str'],
    ['00', 'str'],
    ['1_000', 'str'],
    ['0X1F', 'str'],
    ['1.5', 'float'],
    ['1e3', 'float'],
    ['.5', 'float'],
    ['1.', 'float'],
    ['-2.5E-3', 'float'],
    ['.inf', 'float'],
    ['-.Inf', 'float'],
    ['.nan', 'float'],
    ['inf', 'str'],
    ['nan', 'str'],
    ['10s', 'str'],
    ['1_gbit_switch', 'str'],
    ['SIGTERM', 'str'],
  ];
  for (const [text, kind] of table) {
    assert.equal(resolvePlain(text).kind, kind, JSON.stringify(text));
  }
  const hex = resolvePlain('0x10');
  assert.ok(hex.kind === 'int' && hex.value === 16n);
});

test('a YAML float where a time is required is an error naming the key', () => {
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  server:\n    network_node_id: 0\n    processes:\n    - {path: /bin/sh, start_time: 1.5}\n`,
    /^config\.yaml: hosts\.server\.processes\[0\]\.start_time: expected a time like "10 s", got 1\.5 \(a YAML float\)$/,
  );
});

test('a YAML integer where a time is required counts seconds; a quoted number is a time string', () => {
  const cfg = load(`general: {stop_time: 30, bootstrap_end_time: "5"}\n${BASE}${HOST}`);
  assert.equal(cfg.general.stopTimeNs, 30e9);
  assert.equal(cfg.general.bootstrapEndTimeNs, 5e9);
});

test('quoted numbers are strings: rejected where an integer is required', () => {
  rejects(
    `general: {stop_time: 10 s, seed: "5"}\n${BASE}${HOST}`,
    /general\.seed: expected an unsigned 32-bit integer, got '5' \(a string\)/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: "0"\n    processes: []\n`,
    /hosts\.box\.network_node_id: expected an unsigned 32-bit integer/,
  );
  rejects(
    `general: {stop_time: 10 s, parallelism: 1.0}\n${BASE}${HOST}`,
    /general\.parallelism: .*got 1\.0 \(a YAML float\)/,
  );
  rejects(`general: {stop_time: 10 s, seed: -1}\n${BASE}${HOST}`, /general\.seed: .*out of range/);
  rejects(`general: {stop_time: 10 s, seed: 4294967296}\n${BASE}${HOST}`, /general\.seed: .*out of range/);
  assert.equal(load(`general: {stop_time: 10 s, seed: 4294967295}\n${BASE}${HOST}`).general.seed, 4294967295);
});

test('numbers and bools are rejected where a string is required', () => {
  rejects(
    `general: {stop_time: 10 s, data_directory: 1234}\n${BASE}${HOST}`,
    /general\.data_directory: expected a string, got 1234 \(a YAML integer\); quote it: "1234"/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: /bin/sh, args: [-c, 5]}\n`,
    /hosts\.box\.processes\[0\]\.args\[1\]: expected a string, got 5/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: /bin/sh, environment: {A: true}}\n`,
    /hosts\.box\.processes\[0\]\.environment\.A: expected a string, got true \(a YAML bool\)/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  1234:\n    network_node_id: 0\n    processes: []\n`,
    /hosts: host name 1234 must be a string; quote it/,
  );
});

test('yes/no and leading-zero numbers are plain strings', () => {
  const cfg = load(
    `general: {stop_time: 10 s, data_directory: 010}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: /bin/sh, environment: {A: yes, B: no, C: 010}}\n`,
  );
  assert.equal(cfg.general.dataDirectory, '010');
  assert.deepEqual(cfg.hosts[0].processes[0].environment, [
    ['A', 'yes'],
    ['B', 'no'],
    ['C', '010'],
  ]);
  rejects(
    `general: {stop_time: 10 s, progress: yes}\n${BASE}${HOST}`,
    /general\.progress: expected true or false, got 'yes'/,
  );
});

test('not YAML at all: one line with the reason and the line number', () => {
  rejects('general: {stop_time: 10 s\nnetwork: [\n', /^config\.yaml: not valid YAML: .+ \(line \d+\)$/);
  rejects('a: b: c\n', /^config\.yaml: not valid YAML: /);
});

test('an empty file or a non-mapping top level is an error', () => {
  rejects('', /^config\.yaml: the file is empty/);
  rejects('- a\n- b\n', /^config\.yaml: expected a mapping, got a list/);
});

test('duplicate keys are errors at every level', () => {
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    processes: []\n  box:\n    network_node_id: 1\n    processes: []\n`,
    /^config\.yaml: hosts: duplicate key 'box' \(line 7\)$/,
  );
  rejects(`general: {stop_time: 10 s, stop_time: 20 s}\n${BASE}${HOST}`, /general: duplicate key 'stop_time'/);
});

test('unknown keys are rejected at every level, naming the key', () => {
  rejects(`general: {stop_time: 10 s, stop_tme: 1}\n${BASE}${HOST}`, /^config\.yaml: general: unknown key 'stop_tme'/);
  rejects(`general: {stop_time: 10 s}\n${BASE}${HOST}hostz: {}\n`, /^config\.yaml: unknown top-level key 'hostz'/);
  rejects(
    `general: {stop_time: 10 s}\nnetwork: {graph: {type: 1_gbit_switch}, shortest: true}\n${HOST}`,
    /^config\.yaml: network: unknown key 'shortest'/,
  );
  rejects(
    `general: {stop_time: 10 s}\nnetwork: {graph: {type: gml, file: {path: g.gml, compress: xz}}}\n${HOST}`,
    /network\.graph\.file: unknown key 'compress'/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}experimental: {use_cpu_pining: false}\n${HOST}`,
    /^config\.yaml: experimental: unknown key 'use_cpu_pining' \(did you mean 'use_cpu_pinning'\?\)$/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}host_option_defaults: {pcap: true}\n${HOST}`,
    /host_option_defaults: unknown key 'pcap'/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    ip_address_hint: 1.2.3.4\n    processes: []\n`,
    /hosts\.box: unknown key 'ip_address_hint'/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    quantity: 2\n    processes: []\n`,
    /hosts\.box: unknown key 'quantity'/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    host_options: {pcap_enable: true}\n    processes: []\n`,
    /hosts\.box\.host_options: unknown key 'pcap_enable'/,
  );
  rejects(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: /bin/sh, arg: x}\n`,
    /hosts\.box\.processes\[0\]: unknown key 'arg'/,
  );
  rejects(`general: {stop_time: 10 s, x-note: 1}\n${BASE}${HOST}`, /general: unknown key 'x-note'/);
});

test('merge keys, anchors and aliases; x- top-level keys are dropped', () => {
  const text = `
x-proc: &proc
  path: /bin/sh
  args: -c true
x-host: &host
  network_node_id: 0
  processes:
  - *proc
  - <<: *proc
    args: -c false
general: {stop_time: 10 s}
${BASE}hosts:
  a: *host
  b:
    <<: *host
    network_node_id: 3
`;
  const cfg = load(text);
  assert.deepEqual(
    cfg.hosts.map((h) => [h.name, h.networkNodeId]),
    [
      ['a', 0],
      ['b', 3],
    ],
  );
  assert.deepEqual(
    cfg.hosts[1].processes.map((p) => p.args),
    [
      ['-c', 'true'],
      ['-c', 'false'],
    ],
  );
});

test('merge from a list: explicit keys win, then earlier mappings over later ones; chains compose', () => {
  const text = `
x-a: &a {seed: 1, parallelism: 1}
x-b: &b {seed: 2, parallelism: 2, log_level: debug}
x-c: &c {<<: *b, progress: true}
general:
  <<: [*a, *c]
  parallelism: 9
  stop_time: 10 s
${BASE}${HOST}`;
  const cfg = load(text);
  assert.equal(cfg.general.seed, 1);
  assert.equal(cfg.general.parallelism, 9);
  assert.equal(cfg.general.logLevel, 'debug');
  assert.equal(cfg.general.progress, true);
});

test('a scalar or nested list as a merge value is an error', () => {
  rejects(
    `general: {<<: 5, stop_time: 10 s}\n${BASE}${HOST}`,
    /general: merge key \(<<\): expected a mapping or a list of mappings/,
  );
  rejects(
    `general: {<<: [[{seed: 1}]], stop_time: 10 s}\n${BASE}${HOST}`,
    /general: merge key \(<<\): a list inside the merge list/,
  );
  rejects(
    `general: {<<: [3], stop_time: 10 s}\n${BASE}${HOST}`,
    /general: merge key \(<<\): the merge list may only contain mappings/,
  );
});

test('x- keys are removed only at the top level and only after merging', () => {
  const cfg = load(`x-g: &g {stop_time: 10 s}\ngeneral: *g\n${BASE}${HOST}`);
  assert.equal(cfg.general.stopTimeNs, 10e9);
  // Inside hosts, x- is just a host name — and a valid one.
  const hosts = load(`general: {stop_time: 10 s}\n${BASE}hosts:\n  x-box: {network_node_id: 0, processes: []}\n`).hosts;
  assert.deepEqual(
    hosts.map((h) => h.name),
    ['x-box'],
  );
});

test('explicit core tags are honoured', () => {
  const cfg = load(`general: {stop_time: 10 s, data_directory: !!str 1234, seed: !!int "7"}\n${BASE}${HOST}`);
  assert.equal(cfg.general.dataDirectory, '1234');
  assert.equal(cfg.general.seed, 7);
  rejects(
    `general: {stop_time: 10 s, seed: !!int abc}\n${BASE}${HOST}`,
    /general\.seed: invalid value 'abc' for tag !!int/,
  );
});

test('an unknown alias is an error', () => {
  rejects(`general: *nothing\n${BASE}${HOST}`, /unknown alias \*nothing/);
});

test('an alias names the latest earlier anchor of that name', () => {
  const cfg = load(`x-1: &n {stop_time: 10 s}\nx-2: &n {stop_time: 20 s}\ngeneral: *n\n${BASE}${HOST}`);
  assert.equal(cfg.general.stopTimeNs, 20e9);
  rejects('a: &x [*x]\n', /^config\.yaml: a\[0\]: alias \*x refers to a node that contains it/);
});

test('final states may also be written as tags', () => {
  const cfg = load(
    `general: {stop_time: 10 s}\n${BASE}hosts:\n  box:\n    network_node_id: 0\n    processes:\n    - {path: /bin/sh, expected_final_state: !exited 3}\n    - {path: /bin/sh, expected_final_state: !signaled SIGKILL}\n`,
  );
  assert.deepEqual(
    cfg.hosts[0].processes.map((p) => p.expectedFinalState),
    [
      { kind: 'exited', code: 3 },
      { kind: 'signaled', signal: 9 },
    ],
  );
});

test('JSON is accepted; several YAML documents are not', () => {
  const cfg = load(
    '{"general": {"stop_time": "30s"}, "network": {"graph": {"type": "1_gbit_switch"}}, "hosts": {"box": {"network_node_id": 0, "processes": []}}}',
  );
  assert.equal(cfg.general.stopTimeNs, 30e9);
  rejects(
    `general: {stop_time: 10 s}\n${BASE}${HOST}---\nmore: 1\n`,
    /^config\.yaml: not valid YAML: the file holds more than one YAML document \(line \d+\)$/,
  );
});

test('a document that explodes through aliases is refused instead of exhausting memory', () => {
  let text = 'x-0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n';
  for (let i = 1; i < 9; i++)
    text += `x-${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  rejects(text, /^config\.yaml: document too large after expanding aliases/);
});
