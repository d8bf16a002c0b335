// What /proc says about the processes of a run: peak RSS (VmHWM) and CPU time, so the report can say where
// the two cores went — the gateway's processes, PostgreSQL, Redis, or something else on the machine.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** Peak resident set of a live process, in KB; undefined once it is gone. */
export function peakRssKB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** user + system CPU seconds of a process, and what it is: its command name, and for a PostgreSQL backend
 * the database it serves ("postgres dockside_bench"), for a PostgreSQL helper "postgres (server)". */
function cpuOf(pid: string): { comm: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    let comm = stat.slice(stat.indexOf('(') + 1, close);
    if (comm === 'postgres') {
      // "postgres: 15/main: user database host(port) state" for a backend; helpers name their job.
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const backend = /^postgres: [^:]+: \S+ (\S+) \S+\(\d+\)/.exec(title);
      comm = backend ? `postgres ${backend[1]}` : 'postgres (server)';
    }
    const fields = stat
      .slice(close + 2)
      .split(' ')
      .map(Number);
    // After the command: state is field 3 of stat(5); utime and stime are fields 14 and 15.
    return { comm, seconds: (fields[11]! + fields[12]!) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

export interface CpuSnapshot {
  at: number;
  /** CPU seconds by pid. */
  byPid: Map<number, { comm: string; seconds: number }>;
  /** Busy CPU seconds of the whole machine (all cores) since boot. */
  machineBusy: number;
}

export function cpuSnapshot(): CpuSnapshot {
  const byPid = new Map<number, { comm: string; seconds: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const c = cpuOf(entry);
    if (c) byPid.set(Number(entry), c);
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const busy = cpu.slice(0, 8).reduce((a, b, i) => (i === 3 || i === 4 ? a : a + b), 0);
  return { at: Date.now(), byPid, machineBusy: busy / TICKS_PER_SECOND };
}

export interface CpuShare {
  /** Wall-clock seconds between the snapshots. */
  seconds: number;
  /** CPU seconds by label. */
  by: Record<string, number>;
  machineBusy: number;
}

/** CPU used between two snapshots by the labelled pids and by the processes `commands` accepts, under
 * their command name. */
export function cpuBetween(
  a: CpuSnapshot,
  b: CpuSnapshot,
  labels: Map<number, string>,
  commands: (comm: string) => boolean,
): CpuShare {
  const by: Record<string, number> = {};
  for (const [pid, now] of b.byPid) {
    const label = labels.get(pid) ?? (commands(now.comm) ? now.comm : undefined);
    if (!label) continue;
    const used = now.seconds - (a.byPid.get(pid)?.seconds ?? 0);
    by[label] = (by[label] ?? 0) + used;
  }
  return { seconds: (b.at - a.at) / 1000, by, machineBusy: b.machineBusy - a.machineBusy };
}
