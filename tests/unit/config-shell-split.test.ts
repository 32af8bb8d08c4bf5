// String-form process args split with GLib shell-argv rules (config.md §7.2).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ShellSplitError, splitShellArgs } from '../../src/config/shell-split';

test('words are separated by unquoted space, tab and newline', () => {
  assert.deepEqual(splitShellArgs('a b\tc\nd'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitShellArgs('  -n   5  '), ['-n', '5']);
  assert.deepEqual(splitShellArgs('--port=8080 --host 11.0.0.1'), ['--port=8080', '--host', '11.0.0.1']);
});

test('empty or all-whitespace means no arguments', () => {
  assert.deepEqual(splitShellArgs(''), []);
  assert.deepEqual(splitShellArgs('   \n\t '), []);
});

test('single quotes are literal', () => {
  assert.deepEqual(splitShellArgs("'a b' 'c\\d' '$HOME' '\"'"), ['a b', 'c\\d', '$HOME', '"']);
});

test('inside double quotes, backslash escapes only " \\ ` $ and newline', () => {
  assert.deepEqual(splitShellArgs('"a \\" b"'), ['a " b']);
  assert.deepEqual(splitShellArgs('"\\\\ \\` \\$"'), ['\\ ` $']);
  assert.deepEqual(splitShellArgs('"\\n\\t\\a"'), ['\\n\\t\\a']);
  assert.deepEqual(splitShellArgs('"x\\\ny"'), ['x\ny']);
  assert.deepEqual(splitShellArgs('"$HOME" "*.c" "~"'), ['$HOME', '*.c', '~']);
});

test('outside quotes, backslash makes the next character literal; backslash-newline disappears', () => {
  assert.deepEqual(splitShellArgs('a\\ b'), ['a b']);
  assert.deepEqual(splitShellArgs('\\"x\\"'), ['"x"']);
  assert.deepEqual(splitShellArgs('a\\\nb c'), ['ab', 'c']);
  assert.deepEqual(splitShellArgs('\\\\'), ['\\']);
  assert.deepEqual(splitShellArgs("\\'"), ["'"]);
});

test('quoted pieces join adjacent text; empty quotes give an empty argument', () => {
  assert.deepEqual(splitShellArgs('a"b c"d'), ['ab cd']);
  assert.deepEqual(splitShellArgs('x\'y z\'"w"'), ['xy zw']);
  assert.deepEqual(splitShellArgs('\'\' "" a'), ['', '', 'a']);
  assert.deepEqual(splitShellArgs('-o ""'), ['-o', '']);
});

test('an unquoted # discards the rest of the line, even in the middle of a word', () => {
  assert.deepEqual(splitShellArgs('a b # c d'), ['a', 'b']);
  assert.deepEqual(splitShellArgs('http://h/#x'), ['http://h/']);
  assert.deepEqual(splitShellArgs('"http://h/#x"'), ['http://h/#x']);
  assert.deepEqual(splitShellArgs("'#' \\#"), ['#', '#']);
  assert.deepEqual(splitShellArgs('a # comment\nb'), ['a', 'b']);
});

test('no expansion of variables, globs, tildes or commands', () => {
  assert.deepEqual(splitShellArgs('$HOME *.txt ~ $(ls) `id`'), ['$HOME', '*.txt', '~', '$(ls)', '`id`']);
});

test('unbalanced quotes, a trailing backslash and comment-only text are errors', () => {
  for (const text of ['"abc', "'abc", 'a "b c', 'abc\\', '# only a comment', '#']) {
    assert.throws(() => splitShellArgs(text), ShellSplitError, JSON.stringify(text));
  }
});
