// What the simulator tells the run report (src/report/recorder.ts) as it
// happens. The kernel holds one of these (Kernel.report) or null; each call is
// a counter update, never an allocation per packet or per syscall.

/**
 * The hooks. `event` is the generic timeline series: anything that happens to
 * a host at the current simulated time (the fault schedule's partitions,
 * restarts, link changes…) appears on the report's timeline with its kind and
 * label; call it as `kernel.report?.event(hostName, 'partition', 'cut from b')`.
 */
export interface ReportHooks {
  /** A syscall of the thread in channel slot `slot` on host `hostId` parked (blocked) or finished. */
  syscall(hostId: number, slot: number, nr: number, blocked: boolean): void;
  /** Signal `sig` was sent to the process with virtual pid `vpid` on host `host`. */
  signal(host: string, vpid: number, sig: number): void;
  /** A timeline event on `host` (null: the whole simulation) at the current simulated time. */
  event(host: string | null, kind: string, label: string): void;
}
