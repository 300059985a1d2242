// CPU time by process group during a bench phase, from /proc (Linux): where a run's CPU goes —
// the Temporal server, Postgres, our API, our worker, and the bench process itself (which hosts the
// bare workers and sends the requests). Throughput on a small machine is CPU: a ratio to bare
// Temporal is explained by these figures, not by latencies.
import { readdirSync, readFileSync } from 'node:fs';

/** Processes counted in a group: a root pid and its descendants, or every process with a given name. */
export interface CpuGroup {
  name: string;
  pid?: number;
  comm?: string;
}

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

// Linux's USER_HZ is 100 on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

function readProcesses(): ProcStat[] {
  const found: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // Fields after comm: state(0) ppid(1) … utime(11) stime(12).
    found.push({ pid: Number(entry), ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return found;
}

/** Ticks per group now (a process in two groups counts in the first; groups may share a name). */
function sample(groups: CpuGroup[]): Map<number, Map<number, number>> {
  const processes = readProcesses();
  const children = new Map<number, number[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const taken = new Set<number>();
  const result = new Map<number, Map<number, number>>();
  for (const [index, group] of groups.entries()) {
    const members = new Map<number, number>();
    if (group.pid !== undefined) {
      const stack = [group.pid];
      while (stack.length > 0) {
        const pid = stack.pop()!;
        const p = byPid.get(pid);
        if (!p || taken.has(pid)) continue;
        taken.add(pid);
        members.set(pid, p.ticks);
        stack.push(...(children.get(pid) ?? []));
      }
    } else if (group.comm) {
      for (const p of processes) {
        if (p.comm === group.comm && !taken.has(p.pid)) {
          taken.add(p.pid);
          members.set(p.pid, p.ticks);
        }
      }
    }
    result.set(index, members);
  }
  return result;
}

/** Starts counting; `stop()` answers the CPU milliseconds each group used since (processes that exited in between are missed). */
export function cpuMeter(groups: CpuGroup[]): { stop(): Map<string, number> } {
  const before = sample(groups);
  return {
    stop() {
      const after = sample(groups);
      const used = new Map<string, number>();
      for (const [index, group] of groups.entries()) {
        const start = before.get(index) ?? new Map<number, number>();
        let ticks = 0;
        for (const [pid, now] of after.get(index) ?? []) ticks += now - (start.get(pid) ?? 0);
        used.set(group.name, (used.get(group.name) ?? 0) + (ticks * 1000) / TICKS_PER_SECOND);
      }
      return used;
    },
  };
}

/** "temporal 12.1 · postgres 8.0 · … = 40.2 ms of CPU per run". */
export function cpuPerRun(used: Map<string, number>, runs: number): string {
  let total = 0;
  const parts: string[] = [];
  for (const [name, msUsed] of used) {
    total += msUsed;
    if (msUsed > 0) parts.push(`${name} ${(msUsed / runs).toFixed(1)}`);
  }
  return `${parts.join(' · ')} = ${(total / runs).toFixed(1)} ms of CPU per run`;
}
