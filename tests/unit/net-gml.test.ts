// The accepted GML dialect (network-graph reference §2), case by case.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError } from '../../src/config/types';
import { parseGml, type GmlValue } from '../../src/net/gml';

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseGml(text),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), 'error messages are one line');
      return true;
    },
  );
}

function nodeAttr(text: string, key: string): GmlValue | undefined {
  const graph = parseGml(text);
  const node = graph.nodes.get(0);
  assert.ok(node);
  return node.attrs.get(key);
}

test('a typical graph parses with typed values', () => {
  const graph = parseGml(`graph [
  directed 1
  node [
    id 0
    host_bandwidth_down "100 Mbit"
    label "a node"
  ]
  node [
    id 7
  ]
  edge [
    source 0
    target 7
    latency "10 ms"
    packet_loss 0.25
  ]
]
`);
  assert.equal(graph.directed, true);
  assert.deepEqual([...graph.nodes.keys()], [0, 7]);
  const node0 = graph.nodes.get(0);
  assert.ok(node0);
  assert.equal(node0.line, 3);
  assert.deepEqual(node0.attrs.get('host_bandwidth_down'), { kind: 'string', value: '100 Mbit' });
  assert.deepEqual(node0.attrs.get('label'), { kind: 'string', value: 'a node' });
  assert.equal(node0.attrs.has('id'), false);
  assert.equal(graph.edges.length, 1);
  const [edge] = graph.edges;
  assert.equal(edge.source, 0);
  assert.equal(edge.target, 7);
  assert.equal(edge.line, 11);
  assert.deepEqual(edge.attrs.get('latency'), { kind: 'string', value: '10 ms' });
  assert.deepEqual(edge.attrs.get('packet_loss'), { kind: 'float', value: 0.25 });
  assert.equal(edge.attrs.has('source'), false);
});

test('directed defaults to 0 and must be int 0 or 1, at most once', () => {
  assert.equal(parseGml('graph [\n]').directed, false);
  assert.equal(parseGml('graph [ directed 0 ]').directed, false);
  rejects('graph [\ndirected 2\n]', /line 2: 'directed' must be the integer 0 or 1/);
  rejects('graph [\ndirected 1.0\n]', /'directed' must be the integer 0 or 1/);
  rejects('graph [\ndirected "1"\n]', /'directed' must be the integer 0 or 1/);
  rejects('graph [\ndirected 1\ndirected 1\n]', /line 3: 'directed' may appear only once/);
});

test('one-line blocks and leading whitespace are fine; text after the final ] is ignored', () => {
  const graph = parseGml('\n\t graph\t[ node [ id 0 ] node [ id 1 ] edge [ source 0 target 1 ] ] trailing junk # {');
  assert.equal(graph.nodes.size, 2);
  assert.equal(graph.edges.length, 1);
  // No whitespace needed after the graph's own closing bracket.
  assert.equal(parseGml('graph [ node [ id 3 ] ]').nodes.size, 1);
});

test('every value, [ and node/edge ] must be followed by whitespace', () => {
  rejects('graph [ node [ id 0] ]', /line 1: expected whitespace after the value of 'id'/);
  rejects('graph [ node [ id 0 ]]', /expected whitespace after the ']' closing the node/);
  rejects('graph [ edge [ source 0 target 1 ]]', /closing the edge/);
  rejects('graph [node [ id 0 ] ]', /expected whitespace after 'graph \['/);
  rejects('graph [ node [id 0 ] ]', /expected whitespace after 'node \['/);
  rejects('graph [ node [ label "x"]\n]', /expected whitespace after the value of 'label'/);
  rejects('graph [ node [ id 0 ] ', /unexpected end of input/);
});

test('[ must be on the same line as its keyword', () => {
  rejects('graph\n[\n]', /line 1: 'graph' must be followed by '\[' on the same line/);
  rejects('graph [\nnode\n[ id 0 ]\n]', /line 2: 'node' must be followed by '\['/);
  rejects('graph [\nedge 5\n]', /'edge' must be followed by '\['/);
});

test('values must be on the key line', () => {
  rejects('graph [\nnode [\nid\n0\n]\n]', /line 3: key 'id' must have its value on the same line/);
});

test('no comments and no header lines', () => {
  rejects('# a comment\ngraph [\n]', /line 1: expected 'graph \['/);
  rejects('Creator "someone"\ngraph [\n]', /expected 'graph \['/);
  rejects('graph [\n# comment\n]', /line 2: .*found '#' \(comments are not supported\)/);
  rejects('graph [\nnode [\nid 0 // zero\n]\n]', /line 3: .*found '\/'/);
  rejects('graphs [\n]', /expected 'graph \['/);
});

test('integers: digits only, 32-bit signed range; otherwise a float', () => {
  assert.deepEqual(nodeAttr('graph [ node [ id 0 x 42 ] ]', 'x'), { kind: 'int', value: 42 });
  assert.deepEqual(nodeAttr('graph [ node [ id 0 x 007 ] ]', 'x'), { kind: 'int', value: 7 });
  assert.deepEqual(nodeAttr('graph [ node [ id 0 x 2147483647 ] ]', 'x'), { kind: 'int', value: 2147483647 });
  assert.deepEqual(nodeAttr('graph [ node [ id 0 x 2147483648 ] ]', 'x'), { kind: 'float', value: 2147483648 });
  assert.deepEqual(nodeAttr('graph [ node [ id 0 x -1 ] ]', 'x'), { kind: 'float', value: -1 });
  assert.deepEqual(nodeAttr('graph [ node [ id 0 x +5 ] ]', 'x'), { kind: 'float', value: 5 });
});

test('floats: decimal point and/or exponent, optional sign', () => {
  const cases: Array<[string, number]> = [
    ['0.0', 0],
    ['1.0', 1],
    ['-1.5', -1.5],
    ['1e-3', 0.001],
    ['.5', 0.5],
    ['2.', 2],
    ['1E2', 100],
    ['+0.25e+1', 2.5],
  ];
  for (const [literal, value] of cases) {
    assert.deepEqual(nodeAttr(`graph [ node [ id 0 x ${literal} ] ]`, 'x'), { kind: 'float', value }, literal);
  }
  rejects('graph [ node [ id 0 x 1.5.3 ] ]', /expected whitespace after the value of 'x'/);
  rejects('graph [ node [ id 0 x 1e ] ]', /expected whitespace after the value of 'x'/);
  rejects('graph [ node [ id 0 x . ] ]', /expected an integer, float or "string" value for key 'x'/);
  rejects('graph [ node [ id 0 x abc ] ]', /expected an integer, float or "string" value/);
});

test('strings: end at the next quote, may span lines, no escapes, not empty', () => {
  assert.deepEqual(nodeAttr('graph [ node [ id 0 s "two\nlines" ] ]', 's'), { kind: 'string', value: 'two\nlines' });
  assert.deepEqual(nodeAttr('graph [ node [ id 0 s "a\\b" ] ]', 's'), { kind: 'string', value: 'a\\b' });
  assert.deepEqual(nodeAttr('graph [ node [ id 0 s "12" ] ]', 's'), { kind: 'string', value: '12' });
  // A backslash does not escape the quote, so the string ends there and junk follows.
  rejects('graph [ node [ id 0 s "a\\"b" ] ]', /expected whitespace after the value of 's'/);
  rejects('graph [\nnode [\nid 0\ns ""\n]\n]', /line 4: empty string "" for key 's' is not allowed/);
  rejects('graph [ node [ id 0 s "open ] ]', /unterminated string for key 's'/);
  // Line numbers keep counting through multi-line strings.
  rejects('graph [\nnode [\nid 0\ns "a\nb\nc"\nid 1\n]\n]', /line 7: duplicate key 'id' in node/);
});

test('keys: [A-Za-z_][A-Za-z0-9_]*, case-sensitive', () => {
  assert.deepEqual(nodeAttr('graph [ node [ id 0 _Key_9 1 ] ]', '_Key_9'), { kind: 'int', value: 1 });
  const graph = parseGml('graph [ node [ id 0 Label "a" label "b" ] ]');
  assert.equal(graph.nodes.get(0)?.attrs.size, 2);
  rejects('graph [ node [ id 0 9key 1 ] ]', /expected a key or '\]' in node, found '9'/);
  rejects('graph [ node [ id 0 my-key 1 ] ]', /expected an integer, float or "string" value for key 'my'/);
});

test('nested lists are rejected anywhere', () => {
  rejects(
    'graph [\nnode [\nid 0\ngraphics [ x 1 ]\n]\n]',
    /line 4: nested list 'graphics \[ \.\.\. \]' is not supported/,
  );
  rejects('graph [\nedge [\nsource 0 target 0\nattrs [ x 1 ]\n]\n]', /nested list 'attrs/);
  rejects('graph [\nmeta [ x 1 ]\n]', /line 2: nested list 'meta/);
});

test('duplicate keys in a node, an edge, or at graph level are errors', () => {
  rejects('graph [\nnode [\nid 0\nlabel "a"\nlabel "b"\n]\n]', /line 5: duplicate key 'label' in node/);
  rejects('graph [\nedge [\nsource 0\ntarget 0\nsource 1\n]\n]', /line 5: duplicate key 'source' in edge/);
  rejects('graph [\nlabel "a"\nlabel "b"\n]', /line 3: duplicate key 'label' at graph level/);
  // Repeated node/edge blocks are not duplicate keys.
  assert.equal(parseGml('graph [ node [ id 0 ] node [ id 1 ] ]').nodes.size, 2);
});

test('node ids and edge endpoints must be present non-negative integers', () => {
  rejects('graph [\nnode [\nlabel "x"\n]\n]', /line 2: node has no 'id'/);
  rejects('graph [\nnode [\nid -1\n]\n]', /line 2: node 'id' must be a non-negative integer, not -1/);
  rejects('graph [\nnode [\nid "0"\n]\n]', /node 'id' must be a non-negative integer, not "0"/);
  rejects('graph [\nedge [\ntarget 1\n]\n]', /line 2: edge has no 'source'/);
  rejects('graph [\nedge [\nsource 1\n]\n]', /edge has no 'target'/);
  rejects('graph [\nedge [\nsource 1.0\ntarget 1\n]\n]', /edge 'source' must be a non-negative integer/);
});

test('edges may name nodes defined later', () => {
  const graph = parseGml('graph [ edge [ source 0 target 1 ] node [ id 1 ] node [ id 0 label "first" ] ]');
  assert.equal(graph.edges.length, 1);
  assert.deepEqual(graph.nodes.get(0)?.attrs.get('label'), { kind: 'string', value: 'first' });
});

test('a repeated node id is an error naming the node and both lines', () => {
  rejects(
    'graph [\n  node [ id 1 ]\n  node [ id 0 label "first" ]\n  node [ id 0 label "second" ]\n]\n',
    /^network graph: node 0 appears twice \(lines 3 and 4\)$/,
  );
  assert.throws(
    () => parseGml('graph [ node [ id 4 ] node [ id 4 ] ]', 'network graph (topo.gml)'),
    /^ConfigError: network graph \(topo\.gml\): node 4 appears twice/,
  );
});

test('the label prefixes messages', () => {
  assert.throws(() => parseGml('nope', 'network graph (g.gml)'), /^ConfigError: network graph \(g\.gml\): line 1: /);
});
