// Turns YAML text into a generic, strictly typed tree (config.md §1 steps 1–4):
// scalars resolved with serde_yaml 0.9's rules (§1.1), duplicate keys rejected,
// aliases expanded, `<<` merge keys applied (§1.2), top-level `x-` keys dropped (§1.3).

import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, Scalar } from 'yaml';
import type { Node as YamlNode } from 'yaml';

export type YNode =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint; text: string }
  | { kind: 'float'; value: number; text: string }
  | { kind: 'str'; value: string }
  | { kind: 'seq'; items: YNode[] }
  | { kind: 'map'; entries: YEntry[] }
  /** A value with a non-core tag such as `!exited 0`; only a few keys accept one. */
  | { kind: 'tagged'; tag: string; value: YNode };

export interface YEntry {
  key: YNode;
  value: YNode;
}

/**
 * A problem found while reading the YAML. `syntax` marks text that is not YAML at
 * all; `keyPath` names where a structural problem sits ('' = top level); `line` is
 * 1-based when known.
 */
export class YamlTreeError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number | null,
    readonly keyPath: string | null = null,
    readonly syntax = false,
  ) {
    super(reason);
    this.name = 'YamlTreeError';
  }
}

/** `general` + `stop_time` → `general.stop_time`; the top level has the empty path. */
export function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function keyLabel(key: YNode): string {
  return key.kind === 'str' ? key.value : describeKey(key);
}

// Expanding aliases copies nodes; a bound stops "billion laughs" documents.
const MAX_NODES = 2_000_000;

const TAG_PREFIX = 'tag:yaml.org,2002:';

/** Parses `text` and returns the top-level tree after merges and x- removal. */
export function parseYamlTree(text: string): YNode {
  const lineCounter = new LineCounter();
  // failsafe: every scalar stays a string, so we resolve types ourselves exactly
  // as serde_yaml does (which differs from the YAML 1.2 core schema, e.g. `010`).
  const doc = parseDocument(text, {
    schema: 'failsafe',
    uniqueKeys: false,
    merge: false,
    prettyErrors: false,
    lineCounter,
  });
  const lineOf = (offset: number | undefined): number | null =>
    offset === undefined ? null : lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const reason =
      first.code === 'MULTIPLE_DOCS' ? 'the file holds more than one YAML document' : oneLine(first.message);
    throw new YamlTreeError(reason, lineOf(first.pos[0]), null, true);
  }
  const converter = new Converter(lineOf);
  const tree = converter.convert(doc.contents, '');
  applyMerges(tree, '');
  if (tree.kind === 'map') {
    tree.entries = tree.entries.filter((e) => !(e.key.kind === 'str' && e.key.value.startsWith('x-')));
  }
  return tree;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/gu, ' ').trim();
}

class Converter {
  private nodes = 0;
  private readonly active = new Set<YamlNode>();
  // Our own anchor table: yaml's Alias.resolve() rescans the document on every call.
  private readonly anchors = new Map<string, YamlNode>();
  private aliasDepth = 0;

  constructor(private readonly lineOf: (offset: number | undefined) => number | null) {}

  convert(node: YamlNode | null | undefined | unknown, at: string): YNode {
    if (++this.nodes > MAX_NODES) {
      throw new YamlTreeError(`document too large after expanding aliases (over ${MAX_NODES} nodes)`, null, '');
    }
    if (node === null || node === undefined) return { kind: 'null' };
    if (isAlias(node)) {
      const target = this.anchors.get(node.source);
      if (target === undefined) {
        throw new YamlTreeError(`unknown alias *${node.source}`, this.lineOf(node.range?.[0]), at);
      }
      if (this.active.has(target)) {
        throw new YamlTreeError(
          `alias *${node.source} refers to a node that contains it`,
          this.lineOf(node.range?.[0]),
          at,
        );
      }
      this.aliasDepth++;
      try {
        return this.convert(target, at);
      } finally {
        this.aliasDepth--;
      }
    }
    // Anchors are recorded in document order as we meet them (an alias names the
    // latest earlier anchor); copies made while expanding an alias do not count.
    const anchor = (node as { anchor?: unknown }).anchor;
    if (typeof anchor === 'string' && this.aliasDepth === 0) this.anchors.set(anchor, node as YamlNode);
    if (isScalar(node)) return this.scalar(node, at);
    if (isSeq(node)) {
      this.active.add(node);
      const items = node.items.map((item, i) => this.convert(item, `${at}[${i}]`));
      this.active.delete(node);
      return this.tagged(node.tag, { kind: 'seq', items }, 'seq', node.range?.[0], at);
    }
    if (isMap(node)) {
      this.active.add(node);
      const entries: YEntry[] = [];
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const key = this.convert(keyNode, at);
        const line = this.lineOf((keyNode as { range?: [number, number, number] } | null)?.range?.[0]);
        if (key.kind === 'seq' || key.kind === 'map' || key.kind === 'tagged') {
          throw new YamlTreeError('complex mapping keys (lists or mappings used as keys) are not supported', line, at);
        }
        const identity = scalarIdentity(key);
        if (seen.has(identity)) {
          throw new YamlTreeError(`duplicate key ${describeKey(key)}`, line, at);
        }
        seen.add(identity);
        entries.push({ key, value: this.convert(pair.value, childPath(at, keyLabel(key))) });
      }
      this.active.delete(node);
      return this.tagged(node.tag, { kind: 'map', entries }, 'map', node.range?.[0], at);
    }
    throw new YamlTreeError('unsupported YAML node', null, at);
  }

  private tagged(
    tag: string | undefined,
    value: YNode,
    natural: 'seq' | 'map',
    offset: number | undefined,
    at: string,
  ): YNode {
    if (tag === undefined || tag === TAG_PREFIX + natural) return value;
    if (tag.startsWith(TAG_PREFIX)) {
      throw new YamlTreeError(
        `tag ${shortTag(tag)} cannot be applied to a ${natural === 'seq' ? 'list' : 'mapping'}`,
        this.lineOf(offset),
        at,
      );
    }
    return { kind: 'tagged', tag: shortTag(tag), value };
  }

  private scalar(node: Scalar, at: string): YNode {
    const text = String(node.value);
    const line = this.lineOf(node.range?.[0]);
    const plain = node.type === Scalar.PLAIN;
    const tag = node.tag;
    if (tag === undefined || tag === '!') {
      // A quoted or block scalar, or one with the non-specific `!` tag, is a string.
      return plain && tag === undefined ? resolvePlain(text) : { kind: 'str', value: text };
    }
    if (!tag.startsWith(TAG_PREFIX)) {
      return { kind: 'tagged', tag: shortTag(tag), value: plain ? resolvePlain(text) : { kind: 'str', value: text } };
    }
    const resolved = resolvePlain(text);
    switch (tag.slice(TAG_PREFIX.length)) {
      case 'str':
        return { kind: 'str', value: text };
      case 'null':
        if (resolved.kind === 'null') return resolved;
        break;
      case 'bool':
        if (resolved.kind === 'bool') return resolved;
        break;
      case 'int':
        if (resolved.kind === 'int') return resolved;
        break;
      case 'float':
        if (resolved.kind === 'float') return resolved;
        if (resolved.kind === 'int') return { kind: 'float', value: Number(resolved.value), text };
        break;
      default:
        break;
    }
    throw new YamlTreeError(`invalid value '${text}' for tag ${shortTag(tag)}`, line, at);
  }
}

function shortTag(tag: string): string {
  return tag.startsWith(TAG_PREFIX) ? '!!' + tag.slice(TAG_PREFIX.length) : tag;
}

/** serde_yaml: "digits with a leading zero" is a string, not an octal number. */
function digitsButNotNumber(text: string): boolean {
  const unsigned = text.startsWith('-') || text.startsWith('+') ? text.slice(1) : text;
  return unsigned.length > 1 && unsigned.startsWith('0') && /^[0-9]+$/u.test(unsigned);
}

const INT_PATTERN = /^[-+]?(?:0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+|[0-9]+)$/u;
// What Rust's f64 parser accepts (minus inf/nan, which serde_yaml only takes in YAML spelling).
const FLOAT_PATTERN = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/u;

/** Resolves an untagged plain scalar with serde_yaml 0.9's rules (§1.1). */
export function resolvePlain(text: string): YNode {
  if (text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return { kind: 'null' };
  if (text === 'true' || text === 'True' || text === 'TRUE') return { kind: 'bool', value: true };
  if (text === 'false' || text === 'False' || text === 'FALSE') return { kind: 'bool', value: false };
  if (INT_PATTERN.test(text) && !digitsButNotNumber(text)) {
    const negative = text.startsWith('-');
    const unsigned = text.replace(/^[-+]/u, '');
    let magnitude: bigint;
    if (unsigned.startsWith('0o')) magnitude = BigInt('0o' + unsigned.slice(2));
    else magnitude = BigInt(unsigned); // handles 0x…, 0b… and decimal
    return { kind: 'int', value: negative ? -magnitude : magnitude, text };
  }
  if (!digitsButNotNumber(text)) {
    if (/^[-+]?\.(?:inf|Inf|INF)$/u.test(text)) {
      return { kind: 'float', value: text.startsWith('-') ? -Infinity : Infinity, text };
    }
    if (text === '.nan' || text === '.NaN' || text === '.NAN') return { kind: 'float', value: NaN, text };
    if (FLOAT_PATTERN.test(text)) {
      const value = Number(text);
      if (Number.isFinite(value)) return { kind: 'float', value, text };
    }
  }
  return { kind: 'str', value: text };
}

/** Equal for two scalar keys exactly when they are the same YAML value (so `1` and `"1"` differ). */
function scalarIdentity(key: YNode): string {
  switch (key.kind) {
    case 'null':
      return 'null';
    case 'bool':
    case 'int':
    case 'str':
      return `${key.kind}:${String(key.value)}`;
    case 'float':
      return Object.is(key.value, -0) ? 'float:-0' : `float:${key.value}`;
    default:
      return `other:${key.kind}`;
  }
}

/** A key as it would appear in YAML, for messages. */
export function describeKey(key: YNode): string {
  switch (key.kind) {
    case 'str':
      return `'${key.value}'`;
    case 'int':
    case 'float':
      return key.text;
    case 'bool':
      return String(key.value);
    case 'null':
      return 'null';
    default:
      return 'a complex key';
  }
}

function isMergeKey(key: YNode): boolean {
  return key.kind === 'str' && key.value === '<<';
}

/**
 * Applies `<<` everywhere (§1.2). Shallow copy of first-level keys that the
 * receiving mapping lacks; explicit keys win, earlier merge sources win over
 * later ones. Sources are merged first themselves, so chains of bases work.
 */
function applyMerges(root: YNode, rootPath: string): void {
  const stack: Array<{ node: YNode; at: string }> = [{ node: root, at: rootPath }];
  while (stack.length > 0) {
    const { node, at } = stack.pop() as { node: YNode; at: string };
    if (node.kind === 'map') {
      let index: number;
      while ((index = node.entries.findIndex((e) => isMergeKey(e.key))) >= 0) {
        const merge = node.entries[index].value;
        node.entries.splice(index, 1);
        const sources: YNode[] = [];
        if (merge.kind === 'map') {
          sources.push(merge);
        } else if (merge.kind === 'seq') {
          for (const item of merge.items) {
            if (item.kind === 'map') sources.push(item);
            else if (item.kind === 'seq')
              throw new YamlTreeError('merge key (<<): a list inside the merge list is not allowed', null, at);
            else if (item.kind === 'tagged')
              throw new YamlTreeError('merge key (<<): tagged values cannot be merged', null, at);
            else throw new YamlTreeError('merge key (<<): the merge list may only contain mappings', null, at);
          }
        } else if (merge.kind === 'tagged') {
          throw new YamlTreeError('merge key (<<): tagged values cannot be merged', null, at);
        } else {
          throw new YamlTreeError('merge key (<<): expected a mapping or a list of mappings', null, at);
        }
        const present = new Set(node.entries.map((e) => scalarIdentity(e.key)));
        for (const source of sources) {
          if (source.kind !== 'map') continue;
          // Resolve the source's own merges first so chains of bases compose.
          applyMerges(source, at);
          for (const entry of source.entries) {
            const identity = scalarIdentity(entry.key);
            if (!present.has(identity)) {
              present.add(identity);
              node.entries.push({ key: entry.key, value: entry.value });
            }
          }
        }
      }
      for (const entry of node.entries) stack.push({ node: entry.value, at: childPath(at, keyLabel(entry.key)) });
    } else if (node.kind === 'seq') {
      node.items.forEach((item, i) => stack.push({ node: item, at: `${at}[${i}]` }));
    } else if (node.kind === 'tagged') {
      stack.push({ node: node.value, at });
    }
  }
}
