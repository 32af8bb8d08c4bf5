// The child process of run(): takes one request, runs simulate(), sends the
// result (or the error) back and exits.
import { ConfigError } from '../config/types';
import { simulate } from '../index';
import type { ChildReply, ChildRequest } from './run';

process.once('message', (m: unknown) => {
  const req = m as ChildRequest;
  let reply: ChildReply;
  try {
    reply = { ok: simulate(req.config, req.opts) };
  } catch (e) {
    reply = {
      error: e instanceof Error ? (e instanceof ConfigError ? e.message : (e.stack ?? e.message)) : String(e),
      configError: e instanceof ConfigError,
    };
  }
  process.send?.(reply, () => process.disconnect());
});
