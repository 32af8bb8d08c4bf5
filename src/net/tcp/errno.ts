// Linux errno values the TCP state machine reports to the socket layer.
// Operations return -errno on failure (kernel convention) so the syscall
// layer can pass results through unchanged.

export const Errno = {
  EPIPE: 32,
  EAGAIN: 11,
  EINVAL: 22,
  ENOTCONN: 107,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  ECONNABORTED: 103,
} as const;

export type ErrnoName = keyof typeof Errno;

const NAMES: ReadonlyMap<number, ErrnoName> = new Map(
  (Object.keys(Errno) as ErrnoName[]).map((name) => [Errno[name], name]),
);

/** The symbolic name of an errno value (positive or negated), for messages and tests. */
export function errnoName(value: number): ErrnoName | 'OK' | `E${number}` {
  if (value === 0) return 'OK';
  return NAMES.get(Math.abs(value)) ?? `E${Math.abs(value)}`;
}
