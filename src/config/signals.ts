// Signal names and numbers as the configuration spells them (config.md §7.4), plus
// the YAML-ish text of a final state (§7.5) shared by processed-config and run messages.
// Numbering is x86-64 Linux; names are the 31 standard ones, upper case, SIG prefix.

import type { FinalState, SignalNumber } from './types';

const SIGNAL_NAMES: readonly string[] = [
  '', // 0 is not a signal
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

// The numbers are defined once, with the other Linux constants.

/** True for the standard signals 1..31 that a config may name. */
export function isStandardSignal(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 31;
}

/** 'SIGTERM' for 15; a real-time or unknown number prints as 'SIG<n>' so messages never throw. */
export function signalName(n: SignalNumber): string {
  return isStandardSignal(n) ? SIGNAL_NAMES[n] : `SIG${n}`;
}

/**
 * Signal from its config form: an exact standard name (string) or a number 1..31.
 * Returns null when the value is not a valid signal; callers own the error message.
 */
export function parseSignal(value: string | number): SignalNumber | null {
  if (typeof value === 'number') return isStandardSignal(value) ? value : null;
  const index = SIGNAL_NAMES.indexOf(value);
  return index >= 1 ? index : null;
}

/** `{exited: 0}`, `{signaled: SIGKILL}` or `running` — the form §7.5 uses in messages and YAML. */
export function formatFinalState(fs: FinalState): string {
  switch (fs.kind) {
    case 'exited':
      return `{exited: ${fs.code}}`;
    case 'signaled':
      return `{signaled: ${signalName(fs.signal)}}`;
    case 'running':
      return 'running';
  }
}
