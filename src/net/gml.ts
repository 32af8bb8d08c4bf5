// Parser for exactly the GML dialect Shadow accepts (network-graph reference §2):
// `graph [ … ]` with key/value pairs and flat node/edge blocks, typed int /
// float / string values, no comments, no nested lists, no escapes.
// It checks syntax and unique node ids only; what the attributes mean is graph.ts's business.

import { ConfigError } from '../config/types';

export type GmlValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

export interface GmlNode {
  readonly id: number;
  /** Line of the `node` keyword, for error messages. */
  readonly line: number;
  /** Every key except `id`. */
  readonly attrs: ReadonlyMap<string, GmlValue>;
}

export interface GmlEdge {
  readonly source: number;
  readonly target: number;
  /** Line of the `edge` keyword, for error messages. */
  readonly line: number;
  /** Every key except `source` and `target`. */
  readonly attrs: ReadonlyMap<string, GmlValue>;
}

export interface GmlGraph {
  readonly directed: boolean;
  /** Node ids are unique: a repeated id is an error (Shadow silently keeps the later node). */
  readonly nodes: Map<number, GmlNode>;
  /** In file order. */
  readonly edges: GmlEdge[];
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_QUOTE = 34;
const CH_PLUS = 43;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_0 = 48;
const CH_9 = 57;
const CH_LBRACKET = 91;
const CH_RBRACKET = 93;
const CH_UNDERSCORE = 95;

const INT32_MAX = 2147483647;

function isSpaceOrTab(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB;
}

function isWhitespace(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_LF || c === CH_CR;
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isKeyStart(c: number): boolean {
  return isLetter(c) || c === CH_UNDERSCORE;
}

function isKeyChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === CH_UNDERSCORE;
}

function describeValue(value: GmlValue): string {
  return value.kind === 'string' ? `"${value.value}"` : String(value.value);
}

/**
 * Parses GML text. `label` starts every error message (e.g. "network graph"),
 * which then reads `<label>: line <n>: <problem>`.
 */
export function parseGml(text: string, label = 'network graph'): GmlGraph {
  return new GmlParser(text, label).parseGraph();
}

class GmlParser {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    private readonly label: string,
  ) {}

  parseGraph(): GmlGraph {
    this.skipWhitespace();
    if (!this.text.startsWith('graph', this.pos) || isKeyChar(this.text.charCodeAt(this.pos + 5))) {
      throw this.error("expected 'graph [' (header lines and comments before it are not supported)");
    }
    this.pos += 'graph'.length;
    this.openBracket('graph');

    let directed: boolean | null = null;
    const graphKeys = new Set<string>();
    const nodes = new Map<number, GmlNode>();
    const edges: GmlEdge[] = [];

    for (;;) {
      const c = this.peek();
      if (c === CH_RBRACKET) {
        // Whatever follows the graph's closing bracket is ignored.
        this.pos++;
        break;
      }
      const keyLine = this.line;
      const key = this.readKey('graph');
      if (key === 'node') {
        const node = this.parseNode(keyLine);
        const earlier = nodes.get(node.id);
        if (earlier !== undefined) {
          // Edges and hosts name nodes by id, so a second node with the same id is ambiguous.
          throw new ConfigError(
            `${this.label}: node ${node.id} appears twice (lines ${earlier.line} and ${node.line})`,
          );
        }
        nodes.set(node.id, node);
      } else if (key === 'edge') {
        edges.push(this.parseEdge(keyLine));
      } else if (key === 'directed') {
        const value = this.readValue(key);
        if (directed !== null) throw this.error("'directed' may appear only once", keyLine);
        if (value.kind !== 'int' || (value.value !== 0 && value.value !== 1)) {
          throw this.error(`'directed' must be the integer 0 or 1, not ${describeValue(value)}`, keyLine);
        }
        directed = value.value === 1;
      } else {
        this.readValue(key);
        if (graphKeys.has(key)) throw this.error(`duplicate key '${key}' at graph level`, keyLine);
        graphKeys.add(key);
      }
    }

    return { directed: directed ?? false, nodes, edges };
  }

  private parseNode(nodeLine: number): GmlNode {
    const attrs = this.parseBlock('node');
    const id = attrs.get('id');
    if (id === undefined) throw this.error("node has no 'id'", nodeLine);
    if (id.kind !== 'int') {
      throw this.error(`node 'id' must be a non-negative integer, not ${describeValue(id)}`, nodeLine);
    }
    attrs.delete('id');
    return { id: id.value, line: nodeLine, attrs };
  }

  private parseEdge(edgeLine: number): GmlEdge {
    const attrs = this.parseBlock('edge');
    const endpoint = (key: 'source' | 'target'): number => {
      const value = attrs.get(key);
      if (value === undefined) throw this.error(`edge has no '${key}'`, edgeLine);
      if (value.kind !== 'int') {
        throw this.error(`edge '${key}' must be a non-negative integer, not ${describeValue(value)}`, edgeLine);
      }
      attrs.delete(key);
      return value.value;
    };
    const source = endpoint('source');
    const target = endpoint('target');
    return { source, target, line: edgeLine, attrs };
  }

  /** After `node`/`edge`: `[`, key/value pairs, `]`, then mandatory whitespace. */
  private parseBlock(kind: 'node' | 'edge'): Map<string, GmlValue> {
    this.openBracket(kind);
    const attrs = new Map<string, GmlValue>();
    for (;;) {
      if (this.peek() === CH_RBRACKET) {
        this.pos++;
        this.requireWhitespace(`after the ']' closing the ${kind}`);
        return attrs;
      }
      const keyLine = this.line;
      const key = this.readKey(kind);
      const value = this.readValue(key);
      if (attrs.has(key)) throw this.error(`duplicate key '${key}' in ${kind}`, keyLine);
      attrs.set(key, value);
    }
  }

  /** `[` on the same line as its keyword, followed by whitespace. */
  private openBracket(keyword: string): void {
    this.skipSpacesAndTabs();
    if (this.peek() !== CH_LBRACKET) {
      throw this.error(`'${keyword}' must be followed by '[' on the same line`);
    }
    this.pos++;
    this.requireWhitespace(`after '${keyword} ['`);
  }

  private readKey(context: string): string {
    const start = this.pos;
    const c = this.peek();
    if (Number.isNaN(c)) throw this.error(`unexpected end of input inside ${context} (missing ']')`);
    if (!isKeyStart(c)) {
      const ch = this.text[start] ?? '';
      const hint = ch === '#' || ch === '/' ? ' (comments are not supported)' : '';
      throw this.error(`expected a key or ']' in ${context}, found '${ch}'${hint}`);
    }
    this.pos++;
    while (isKeyChar(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /**
   * A value on the key's line, tried as integer, then float, then string; each
   * must be followed by whitespace. Mirrors the order Shadow's parser tries.
   */
  private readValue(key: string): GmlValue {
    this.skipSpacesAndTabs();
    const start = this.pos;
    const c = this.peek();

    const intEnd = this.scanDigits(start);
    if (intEnd > start && this.isWhitespaceAt(intEnd)) {
      const value = Number(this.text.slice(start, intEnd));
      // An integer too large for 32 bits falls through to the float reading, as in Shadow.
      if (value <= INT32_MAX) return this.finishValue(intEnd, { kind: 'int', value });
    }

    const floatEnd = this.scanFloat(start);
    if (floatEnd > start && this.isWhitespaceAt(floatEnd)) {
      return this.finishValue(floatEnd, { kind: 'float', value: Number(this.text.slice(start, floatEnd)) });
    }

    if (c === CH_QUOTE) {
      const close = this.text.indexOf('"', start + 1);
      if (close < 0) throw this.error(`unterminated string for key '${key}'`);
      if (close === start + 1) throw this.error(`empty string "" for key '${key}' is not allowed`);
      const value = this.text.slice(start + 1, close);
      // Strings may span lines; keep the line counter honest.
      for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) this.line++;
      if (!this.isWhitespaceAt(close + 1)) {
        throw this.error(`expected whitespace after the value of '${key}'`);
      }
      return this.finishValue(close + 1, { kind: 'string', value });
    }

    if (c === CH_LBRACKET) throw this.error(`nested list '${key} [ ... ]' is not supported`);
    if (Number.isNaN(c)) throw this.error(`unexpected end of input after key '${key}'`);
    if (c === CH_LF || c === CH_CR) throw this.error(`key '${key}' must have its value on the same line`);
    const numberEnd = Math.max(intEnd, floatEnd);
    if (numberEnd > start) throw this.error(`expected whitespace after the value of '${key}'`);
    throw this.error(`expected an integer, float or "string" value for key '${key}'`);
  }

  private finishValue(end: number, value: GmlValue): GmlValue {
    this.pos = end;
    this.skipWhitespace();
    return value;
  }

  private scanDigits(from: number): number {
    let i = from;
    while (isDigit(this.text.charCodeAt(i))) i++;
    return i;
  }

  /** [+-]? (digits ('.' digits?)? | '.' digits) ([eE] [+-]? digits)?; returns `from` if none. */
  private scanFloat(from: number): number {
    let i = from;
    const sign = this.text.charCodeAt(i);
    if (sign === CH_PLUS || sign === CH_MINUS) i++;
    const intEnd = this.scanDigits(i);
    if (intEnd > i) {
      i = intEnd;
      if (this.text.charCodeAt(i) === CH_DOT) i = this.scanDigits(i + 1);
    } else {
      if (this.text.charCodeAt(i) !== CH_DOT) return from;
      const fracEnd = this.scanDigits(i + 1);
      if (fracEnd === i + 1) return from;
      i = fracEnd;
    }
    const e = this.text.charCodeAt(i);
    if (e === 101 || e === 69) {
      let j = i + 1;
      const expSign = this.text.charCodeAt(j);
      if (expSign === CH_PLUS || expSign === CH_MINUS) j++;
      const expEnd = this.scanDigits(j);
      // "1e" is not a number; leave the 'e' for the caller to reject.
      if (expEnd > j) i = expEnd;
    }
    return i;
  }

  private requireWhitespace(where: string): void {
    if (!this.isWhitespaceAt(this.pos)) throw this.error(`expected whitespace ${where}`);
    this.skipWhitespace();
  }

  private isWhitespaceAt(i: number): boolean {
    return isWhitespace(this.text.charCodeAt(i));
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === CH_LF) this.line++;
      else if (!isWhitespace(c)) return;
      this.pos++;
    }
  }

  private skipSpacesAndTabs(): void {
    while (isSpaceOrTab(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** Next char code, NaN at end of input. */
  private peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  private error(message: string, line = this.line): ConfigError {
    return new ConfigError(`${this.label}: line ${line}: ${message}`);
  }
}
