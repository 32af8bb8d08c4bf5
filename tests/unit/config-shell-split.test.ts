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

test('an unquoted # starts a comment only at the start of the text or after a space or newline', () => {
  assert.deepEqual(splitShellArgs('a b # c d'), ['a', 'b']);
  assert.deepEqual(splitShellArgs('-t sensors/# -C 3'), ['-t', 'sensors/#', '-C', '3']);
  assert.deepEqual(splitShellArgs('a#b'), ['a#b']);
  assert.deepEqual(splitShellArgs('http://h/#x #y'), ['http://h/#x']);
  assert.deepEqual(splitShellArgs('"http://h/#x"'), ['http://h/#x']);
  assert.deepEqual(splitShellArgs("'#' \\#"), ['#', '#']);
  assert.deepEqual(splitShellArgs('a # comment\nb'), ['a', 'b']);
  assert.deepEqual(splitShellArgs('#comment\nb c'), ['b', 'c']);
  assert.deepEqual(splitShellArgs('a\n#comment\nb'), ['a', 'b']);
  // After a quote or a tab a '#' is part of the word (GLib looks only for a space or a newline).
  assert.deepEqual(splitShellArgs('"a"#b'), ['a#b']);
  assert.deepEqual(splitShellArgs('a\t#b'), ['a', '#b']);
  // Shadow trims the string first, so a leading comment is one even after blanks.
  assert.deepEqual(splitShellArgs('  #comment\n x'), ['x']);
  // An escaped space does not end the word; the comment after it is dropped with its newline,
  // so the word goes on on the next line (GLib's own quirk).
  assert.deepEqual(splitShellArgs('a\\ #c\nb'), ['a b']);
  assert.deepEqual(splitShellArgs('a #c'), ['a']);
});

test('no expansion of variables, globs, tildes or commands', () => {
  assert.deepEqual(splitShellArgs('$HOME *.txt ~ $(ls) `id`'), ['$HOME', '*.txt', '~', '$(ls)', '`id`']);
});

test('unbalanced quotes, a trailing backslash and comment-only text are errors', () => {
  for (const text of ['"abc', "'abc", 'a "b c', 'abc\\', '# only a comment', '#']) {
    assert.throws(() => splitShellArgs(text), ShellSplitError, JSON.stringify(text));
  }
});
