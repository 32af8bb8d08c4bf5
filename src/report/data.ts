// The data report.html is drawn from: one JSON object embedded in the page.
// Times are simulated nanoseconds; series hold one value per sampling interval.

export interface ReportProcess {
  host: string;
  name: string;
  pid: number;
  startNs: number;
  /** -1: still running when the simulation stopped. */
  endNs: number;
  /** "exited 0", "signaled SIGTERM", "running". */
  state: string;
  /** Configured in the YAML (rather than forked or exec'd by a program). */
  configured: boolean;
  /** For configured processes: ended as expected_final_state says; null otherwise. */
  asExpected: boolean | null;
}

export interface ReportData {
  version: 1;
  /** The configuration file's name, or how the run was started. */
  title?: string;
  seed: number;
  stopTimeNs: number;
  endNs: number;
  intervalNs: number;
  samples: number;
  hosts: Array<{
    name: string;
    sentBytes: number;
    receivedBytes: number;
    drops: number;
    syscalls: number;
    warnings: number;
    errors: number;
    processes: number;
  }>;
  /** Wire bytes sent and received and router-queue drops per interval (the busiest hosts only in a big run). */
  hostSeries: Array<{ name: string; sent: number[]; received: number[]; drops: number[] }>;
  /** Sums over every host and path, per interval. */
  total: { sent: number[]; received: number[]; drops: number[]; carried: number[]; lost: number[] };
  /** Paths that carried anything (links holds the busiest). */
  linkCount: number;
  processes: ReportProcess[];
  /** The timeline: signals, process ends, and generic events (ReportHooks.event). */
  events: Array<{ t: number; host: string | null; kind: string; label: string }>;
  eventsDropped: number;
  /** TCP connections: flat [timeNs, srttNs, cwndBytes] triples. */
  connections: Array<{ host: string; label: string; samples: number[] }>;
  /** Paths between two hosts: packets carried and lost per interval. */
  links: Array<{ label: string; carried: number; lost: number; carriedSeries: number[]; lostSeries: number[] }>;
  syscalls: {
    frequent: Array<[string, number]>;
    perHost: Array<{ host: string; total: number; top: Array<[string, number]> }>;
    /** Calls that waited in simulated time, longest wait first. */
    slowest: Array<{ host: string; name: string; count: number; maxNs: number; totalNs: number }>;
  };
  problems: Array<{ t: number; level: 'error' | 'warning'; host: string | null; msg: string }>;
  problemsDropped: number;
}
