// The data directory on disk: created at the start of a run (it must not exist
// yet), with every failure (a path under a regular file, /proc, a read-only or
// full file system) turned into one line naming the path and the reason, and
// the files written at the end, where a failure is reported instead of thrown.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../config/types';
import { describeIoError, errnoCode } from './sink';

const KEY = 'general.data_directory';

const TEMPLATE_KEY = 'general.template_directory';

/** general.template_directory: what the data directory starts as (absolute path, and as the user wrote it). */
export interface TemplateDirectory {
  dir: string;
  given: string;
}

/**
 * Creates `dir` (absolute; `given` is how the user wrote it), as a copy of
 * `template` when there is one (Shadow's template_directory: per-host files such
 * as hosts/<name>/torrc are in place before anything runs). Throws a one-line
 * ConfigError when it exists already or cannot be created.
 */
export function createDataDirectory(dir: string, given: string, template: TemplateDirectory | null = null): void {
  if (template !== null) checkTemplate(template);
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined) throw err;
    if (code === 'EEXIST') {
      throw new ConfigError(`${KEY}: '${given}' already exists; remove it or choose another with -d`);
    }
    throw new ConfigError(`${KEY}: cannot create '${dir}': ${whyNotCreated(dir, code, err)}`);
  }
  if (template !== null) copyTemplate(template, dir);
}

function checkTemplate(t: TemplateDirectory): void {
  const kind = fileKind(t.dir);
  if (kind === null) throw new ConfigError(`${TEMPLATE_KEY}: '${t.given}' does not exist`);
  if (kind !== 'directory') throw new ConfigError(`${TEMPLATE_KEY}: '${t.given}' is not a directory (it is ${kind})`);
}

/**
 * Copies the template's contents into the new data directory: file and
 * directory modes kept, symbolic links copied as links with their target as
 * written (a relative link stays relative). On failure the data directory is
 * removed again, so the next attempt does not find it "already exists".
 */
function copyTemplate(t: TemplateDirectory, dir: string): void {
  try {
    fs.cpSync(t.dir, dir, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    fs.chmodSync(dir, fs.statSync(t.dir).mode & 0o7777);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    const why =
      err instanceof Error ? (errnoCode(err) !== undefined ? describeIoError(err) : err.message) : String(err);
    throw new ConfigError(`${TEMPLATE_KEY}: cannot copy '${t.given}' to '${dir}': ${why}`);
  }
}

/** The reason mkdir failed, said about the directory that causes it. */
function whyNotCreated(dir: string, code: string, err: unknown): string {
  const parent = path.dirname(dir);
  switch (code) {
    case 'ENOTDIR': {
      // Some ancestor is a file: name it rather than the path that was asked for.
      for (let up = parent; ; up = path.dirname(up)) {
        const kind = fileKind(up);
        if (kind !== null && kind !== 'directory') return `'${up}' is not a directory (it is ${kind})`;
        if (up === path.dirname(up)) return describeIoError(err);
      }
    }
    case 'ENOENT': {
      for (let up = parent; ; up = path.dirname(up)) {
        if (up === path.dirname(up)) break;
        if (fileKind(path.dirname(up)) === 'directory' && fileKind(up) === null) return `'${up}' does not exist`;
      }
      // The parent is there but refuses new entries: /proc, /sys and the like.
      return `'${parent}' does not allow new directories (ENOENT)`;
    }
    case 'EROFS':
      return `'${parent}' is on a read-only file system (EROFS)`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to create a directory in '${parent}' (${code})`;
    default:
      return describeIoError(err);
  }
}

function fileKind(p: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return null;
  }
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'a regular file';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Runs `fill`, which writes the first files into the just-created `dir`. A
 * file-system error removes the directory again (nothing has run, so nothing
 * is lost, and the next attempt does not find it "already exists") and becomes
 * a one-line ConfigError naming the file.
 */
export function fillDataDirectory(dir: string, fill: () => void): void {
  try {
    fill();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined || !(err instanceof Error) || !('syscall' in err)) throw err;
    const where = 'path' in err && typeof err.path === 'string' ? err.path : dir;
    fs.rmSync(dir, { recursive: true, force: true });
    throw new ConfigError(`${KEY}: cannot write '${where}': ${describeIoError(err)}`);
  }
}

/** fs.writeFileSync whose errors always name the file (a failed write(2), unlike open(2), does not). */
export function writeNewFile(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    if (err instanceof Error && !('path' in err)) Object.assign(err, { path: file });
    throw err;
  }
}

/** An output file that could not be written, and why. */
export interface UnwrittenOutput {
  path: string;
  reason: string;
}

/**
 * Writes an output file at the end of a run. On failure (a full disk) the
 * partial file is removed, so no one reads a truncated one, and the reason is
 * returned instead of thrown: the run's other results still count.
 */
export function writeOutputFile(file: string, text: string): UnwrittenOutput | null {
  try {
    fs.writeFileSync(file, text);
    return null;
  } catch (err) {
    if (errnoCode(err) === undefined) throw err;
    try {
      // Only a regular file is ours to remove (never, say, /dev/full).
      if (fs.lstatSync(file).isFile()) fs.rmSync(file);
    } catch {
      // Nothing more to do: the summary names the file either way.
    }
    return { path: file, reason: describeIoError(err) };
  }
}
