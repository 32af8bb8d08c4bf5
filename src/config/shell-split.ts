// Splits a process's string-form `args` into argv words the way GLib's
// g_shell_parse_argv does (config.md §7.2): quotes and backslashes, `#` comments
// (only at the start of a word),
// no expansion of any kind. Two passes, like GLib: tokenize, then unquote each token.

/** Why a string could not be split; load.ts turns it into a ConfigError naming the key. */
export class ShellSplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShellSplitError';
  }
}

/**
 * Returns the argument words of `text`. A string that is empty after trimming
 * means "no arguments" (Shadow checks that before GLib sees it).
 */
export function splitShellArgs(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return tokenize(trimmed).map(unquote);
}

/**
 * End of the run of characters from `from` that are not in `stops`. Runs are
 * copied with one slice: adding a character at a time to a multi-megabyte
 * argument spends seconds in the garbage collector.
 */
function runEnd(text: string, from: number, stops: string): number {
  let end = from;
  while (end < text.length && !stops.includes(text[end])) end++;
  return end;
}

/**
 * First pass: finds word boundaries. Quoted text and backslash escapes are kept
 * raw inside the token (unquote() interprets them), except backslash-newline,
 * which disappears here.
 */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let token: string | null = null;
  // '' = not inside anything; '\\' = the previous char was an unquoted backslash.
  let mode: '' | "'" | '"' | '\\' = '';
  // Parity of the run of backslashes just before the current char, so an escaped
  // double quote inside "…" does not close it.
  let escaped = false;

  const delimit = (): void => {
    if (token !== null) tokens.push(token);
    token = null;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (mode === '\\') {
      if (c !== '\n') token = (token ?? '') + '\\' + c;
      mode = '';
    } else if (mode === "'" || mode === '"') {
      if (c === mode && !(mode === '"' && escaped)) {
        mode = '';
      } else if (c !== mode && c !== '\\') {
        // Up to the closing quote (or, in "…", the next backslash, whose parity matters).
        const end = runEnd(text, i, mode === "'" ? "'" : '"\\');
        token = (token ?? '') + text.slice(i, end);
        i = end - 1;
        escaped = false;
        continue;
      }
      token = (token ?? '') + c;
    } else {
      switch (c) {
        case '\n':
          delimit();
          break;
        case ' ':
        case '\t':
          if (token !== null && token.length > 0) delimit();
          break;
        case "'":
        case '"':
          token = (token ?? '') + c;
          mode = c;
          break;
        case '\\':
          mode = '\\';
          break;
        case '#': {
          // GLib starts a comment only where the raw previous character is a space or a
          // newline (not a tab), or at the very start: `sensors/#` and `a#b` keep their '#'.
          const prev = i === 0 ? '' : text[i - 1];
          if (prev !== '' && prev !== ' ' && prev !== '\n') {
            token = (token ?? '') + c;
            break;
          }
          // The comment and the newline that ends it are dropped; the newline delimits nothing
          // (a word before the comment was already ended by the space, unless that was escaped).
          const newline = text.indexOf('\n', i);
          i = newline < 0 ? text.length : newline;
          break;
        }
        default: {
          const end = runEnd(text, i, '\n \t\'"\\#');
          token = (token ?? '') + text.slice(i, end);
          i = end - 1;
          break;
        }
      }
    }
    escaped = c === '\\' ? !escaped : false;
  }
  delimit();

  if (mode === '\\') throw new ShellSplitError('text ended just after a "\\" character');
  if (mode !== '') throw new ShellSplitError(`text ended before the matching quote was found for ${mode}`);
  if (tokens.length === 0) throw new ShellSplitError('text was empty (or contained only whitespace or a comment)');
  return tokens;
}

/** Second pass: removes quotes and backslash escapes from one token. */
function unquote(token: string): string {
  let out = '';
  let i = 0;
  while (i < token.length) {
    const c = token[i];
    if (c === '\\') {
      // Outside quotes a backslash makes any next character literal; before a
      // newline both vanish.
      i++;
      if (i < token.length) {
        if (token[i] !== '\n') out += token[i];
        i++;
      }
    } else if (c === "'") {
      const close = token.indexOf("'", i + 1);
      if (close < 0) throw new ShellSplitError('unmatched quotation mark');
      out += token.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < token.length) {
        const d = token[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\') {
          i++;
          const e = token[i];
          // Inside double quotes only these are escapable; other backslashes stay.
          if (e === '"' || e === '\\' || e === '`' || e === '$' || e === '\n') {
            out += e;
            i++;
          } else {
            out += '\\';
          }
          continue;
        }
        const end = runEnd(token, i, '"\\');
        out += token.slice(i, end);
        i = end;
      }
      if (!closed) throw new ShellSplitError('unmatched quotation mark');
    } else {
      const end = runEnd(token, i, '\\\'"');
      out += token.slice(i, end);
      i = end;
    }
  }
  return out;
}
