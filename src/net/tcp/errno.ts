// Linux errno values the TCP state machine reports to the socket layer.
// Operations return -errno on failure (kernel convention) so the syscall
// layer can pass results through unchanged. The values are src/abi/errno's.
import { E } from '../../abi/errno';

export const Errno = {
  EPIPE: E.EPIPE,
  EAGAIN: E.EAGAIN,
  EINVAL: E.EINVAL,
  ENOTCONN: E.ENOTCONN,
  ECONNRESET: E.ECONNRESET,
  ETIMEDOUT: E.ETIMEDOUT,
  ECONNREFUSED: E.ECONNREFUSED,
  ECONNABORTED: E.ECONNABORTED,
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
