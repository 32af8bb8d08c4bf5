// Finds the program a process `path` names and checks that umbra can run it
// (config.md §7.1): ~ expansion, PATH search or cwd-relative lookup, realpath, then
// "dynamically linked ELF, or a #! script whose interpreter is" — the shim needs ld.so; a static
// x86-64 ELF runs through umbra's loader (native/loader/), a script with a static interpreter not.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why a path was refused; the message is one clause that load.ts prefixes with the key. */
export class ExecutableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutableError';
  }
}

export interface ResolvedExecutable {
  /** The path as written after ~ expansion (argv[0]). */
  expanded: string;
  /** Canonical absolute path (symlinks resolved). */
  resolvedPath: string;
  /**
   * Absolute path as located, symlinks kept: what execve is given, so that a
   * script behind a symlink sees the link as its `$0` (Debian's pg_wrapper).
   */
  located: string;
}

/** §7.1 step 1: `~`, `~/x` → $HOME; `~name/x` → /home/name/x; `~+`, `~-` stay literal. */
export function expandTilde(p: string, env: NodeJS.ProcessEnv): string {
  if (!p.startsWith('~')) return p;
  const slash = p.indexOf('/');
  const name = slash < 0 ? p.slice(1) : p.slice(1, slash);
  const rest = slash < 0 ? '' : p.slice(slash);
  if (name === '+' || name === '-') return p;
  if (name === '') {
    const home = env.HOME;
    if (home === undefined || home === '') {
      throw new ExecutableError(`cannot expand '~' in '${p}': HOME is not set`);
    }
    return home + rest;
  }
  return `/home/${name}${rest}`;
}

function isExecutableFile(file: string): boolean {
  try {
    const st = fs.statSync(file);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Locates `written` (already ~-expanded): with a '/', relative to cwd; a bare
 * name is searched in PATH. Returns the absolute, not yet canonical, path.
 */
function locate(written: string, ctx: { cwd: string; env: NodeJS.ProcessEnv }): string {
  if (written === '') throw new ExecutableError('the path is empty');
  if (written.includes('/')) {
    const absolute = path.resolve(ctx.cwd, written);
    if (!fs.existsSync(absolute)) {
      throw new ExecutableError(
        written.startsWith('/') ? `'${written}' does not exist` : `'${written}' does not exist (looked in ${ctx.cwd})`,
      );
    }
    return absolute;
  }
  const searchPath = ctx.env.PATH ?? '';
  // POSIX: an empty PATH entry means the current directory.
  for (const dir of searchPath.split(':')) {
    const candidate = path.resolve(ctx.cwd, dir === '' ? '.' : dir, written);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new ExecutableError(`'${written}' not found in PATH`);
}

/** Resolves and checks a process path as §7.1 describes. */
export function resolveExecutable(written: string, ctx: { cwd: string; env: NodeJS.ProcessEnv }): ResolvedExecutable {
  try {
    const expanded = expandTilde(written, ctx.env);
    const located = locate(expanded, ctx);
    const resolvedPath = fs.realpathSync(located);
    checkRunnable(resolvedPath, written, ctx, 0);
    return { expanded, resolvedPath, located };
  } catch (err) {
    if (err instanceof ExecutableError) throw err;
    // EACCES, ELOOP and the like: still the user's path problem, reported as one.
    const reason = err instanceof Error ? err.message : String(err);
    throw new ExecutableError(`'${written}' cannot be used: ${reason.replace(/\s*\n\s*/gu, ' ')}`);
  }
}

// Linux follows at most a few levels of interpreters; deeper chains are a mistake.
const MAX_INTERPRETER_DEPTH = 4;

const PT_INTERP = 3;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;

/** e_machine of the host, so a foreign-architecture binary is refused up front. */
function hostMachine(): number | null {
  switch (process.arch) {
    case 'x64':
      return 62;
    case 'arm64':
      return 183;
    case 'ia32':
      return 3;
    case 'arm':
      return 40;
    case 'riscv64':
      return 243;
    default:
      return null;
  }
}

type Linkage = 'dynamic' | 'static' | 'script';

function checkRunnable(
  file: string,
  shownAs: string,
  ctx: { cwd: string; env: NodeJS.ProcessEnv },
  depth: number,
): Linkage {
  const st = fs.statSync(file);
  const what = shownAs === file ? `'${file}'` : `'${shownAs}' (${file})`;
  if (!st.isFile()) throw new ExecutableError(`${what} is not a regular file`);
  if ((st.mode & 0o111) === 0) throw new ExecutableError(`${what} is not executable (no execute permission bit)`);

  const head = readHead(file, 256);
  if (head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    return checkElf(file, what);
  }
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
    const interpreter = shebangInterpreter(head);
    if (interpreter === null) throw new ExecutableError(`${what} is a #! script without an interpreter`);
    if (depth >= MAX_INTERPRETER_DEPTH) {
      throw new ExecutableError(`${what}: too many levels of #! interpreters`);
    }
    let interpreterPath: string;
    try {
      interpreterPath = fs.realpathSync(locate(interpreter, ctx));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ExecutableError(`${what} is a script whose interpreter cannot be used: ${reason}`);
    }
    try {
      // umbra's loader starts a script's static interpreter (static-loader.ts); an interpreter's
      // interpreter the kernel would start itself, outside the simulation.
      if (checkRunnable(interpreterPath, interpreter, ctx, depth + 1) === 'static' && depth > 0) {
        throw new ExecutableError(staticRefusal(`'${interpreter}'`));
      }
    } catch (err) {
      if (!(err instanceof ExecutableError)) throw err;
      throw new ExecutableError(`${what} is a script whose interpreter cannot be used: ${err.message}`);
    }
    return 'script';
  }
  throw new ExecutableError(`${what} is neither an ELF executable nor a #! script`);
}

function readHead(file: string, size: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size);
    const n = fs.readSync(fd, buf, 0, size, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** First word after `#!` on the first line (the kernel reads at most 256 bytes). */
function shebangInterpreter(head: Buffer): string | null {
  let line = head.subarray(2).toString('latin1');
  const newline = line.indexOf('\n');
  if (newline >= 0) line = line.slice(0, newline);
  const word = line.trim().split(/[ \t]+/u)[0];
  return word === undefined || word === '' ? null : word;
}

/** A #! script's interpreter as the kernel runs it: the first word and the rest of the line as one argument. */
export interface ScriptInterpreter {
  /** As written after #! (the new argv[0]). */
  written: string;
  arg: string | null;
  /** Where it was found. */
  located: string;
}

/** The interpreter a #! script names, found as the kernel finds it, or null (not a script, not found). */
export function scriptInterpreter(file: string, cwd: string): ScriptInterpreter | null {
  const head = readHead(file, 256);
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return null;
  let line = head.subarray(2).toString('latin1');
  const newline = line.indexOf('\n');
  if (newline >= 0) line = line.slice(0, newline);
  const m = /^[ \t]*(\S+)(?:[ \t]+(.*?))?[ \t]*$/u.exec(line);
  if (m === null) return null;
  let located: string;
  try {
    located = locate(m[1], { cwd, env: {} });
  } catch (err) {
    if (err instanceof ExecutableError) return null;
    throw err;
  }
  return { written: m[1], arg: m[2] === undefined || m[2] === '' ? null : m[2], located };
}

/** Shadow's wording, for the static programs umbra still refuses. */
function staticRefusal(what: string): string {
  return `${what} is not a dynamically linked ELF (it is statically linked; umbra cannot load its shim into it: use a dynamically linked build)`;
}

/** A static ELF the loader can map: 64-bit little-endian x86-64 on an x86-64 machine. */
function loaderCanRun(is64: boolean, le: boolean, machine: number): boolean {
  return is64 && le && machine === 62 && process.arch === 'x64';
}

/**
 * Whether `file` (already checked by resolveExecutable) is a static ELF, which umbra starts through
 * its loader rather than with the shim preloaded.
 */
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Whether file starts with the ELF magic (any ELF; false when it cannot be read). */
export function isElf(file: string): boolean {
  try {
    return readHead(file, 4).equals(ELF_MAGIC);
  } catch {
    return false;
  }
}

export function isStaticElf(file: string): boolean {
  try {
    return readHead(file, 4).equals(ELF_MAGIC) && checkElf(file, file) === 'static';
  } catch (err) {
    if (err instanceof ExecutableError) return false;
    throw err;
  }
}

/** Reads the ELF header and program headers; a static executable has no PT_INTERP. */
function checkElf(file: string, what: string): 'dynamic' | 'static' {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const ident = Buffer.alloc(64);
    const n = fs.readSync(fd, ident, 0, 64, 0);
    const cls = ident[4];
    const data = ident[5];
    if (n < 52 || (cls !== ELFCLASS32 && cls !== ELFCLASS64) || (data !== ELFDATA2LSB && data !== ELFDATA2MSB)) {
      throw new ExecutableError(`${what} is a truncated or malformed ELF file`);
    }
    const is64 = cls === ELFCLASS64;
    if (is64 && n < 64) throw new ExecutableError(`${what} is a truncated or malformed ELF file`);
    const le = data === ELFDATA2LSB;
    const u16 = (b: Buffer, off: number): number => (le ? b.readUInt16LE(off) : b.readUInt16BE(off));
    const u32 = (b: Buffer, off: number): number => (le ? b.readUInt32LE(off) : b.readUInt32BE(off));
    const u64 = (b: Buffer, off: number): number => Number(le ? b.readBigUInt64LE(off) : b.readBigUInt64BE(off));

    const machine = u16(ident, 18);
    const expected = hostMachine();
    if (expected !== null && machine !== expected) {
      throw new ExecutableError(`${what} is an ELF file for a different machine architecture (e_machine ${machine})`);
    }
    const phoff = is64 ? u64(ident, 32) : u32(ident, 28);
    const phentsize = u16(ident, is64 ? 54 : 42);
    const phnum = u16(ident, is64 ? 56 : 44);
    const minEntry = is64 ? 56 : 32;
    if (phnum === 0) {
      throw new ExecutableError(`${what} is an ELF file without program headers (not an executable)`);
    }
    if (phentsize < minEntry || phoff + phentsize * phnum > size) {
      throw new ExecutableError(`${what} is a truncated or malformed ELF file`);
    }
    const table = Buffer.alloc(phentsize * phnum);
    fs.readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (u32(table, i * phentsize) === PT_INTERP) return 'dynamic';
    }
    if (loaderCanRun(is64, le, machine)) return 'static';
    throw new ExecutableError(staticRefusal(what));
  } finally {
    fs.closeSync(fd);
  }
}
