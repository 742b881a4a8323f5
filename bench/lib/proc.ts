import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The machine a benchmark ran on, as printed at the top and kept in --json output. */
export function machineInfo(): { cpus: number; cpuModel: string; memoryGiB: number; node: string; os: string } {
  const cpus = os.cpus();
  return { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'cpu', memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10, node: process.version, os: `${os.platform()} ${os.release()}` };
}

/** One line describing the machine, printed at the top of every benchmark. */
export function machine(): string {
  const m = machineInfo();
  return `machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}, ${m.os}; ${loadLine()}`;
}

/** The 1-minute load average: other work on the machine skews every figure, so it is printed with them. */
export function loadLine(): string {
  return `load average ${os.loadavg()[0]!.toFixed(2)} (1 min)`;
}

/**
 * Build dist/ (the benchmarks run the real binary). tsc still emits when some file
 * has type errors (others may be mid-edit); that only warns, as long as dist/ exists.
 */
export function build(): void {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`warning: build reported errors (running whatever dist/ holds):\n${(r.stdout + r.stderr).split('\n').slice(0, 10).join('\n')}\n`);
  }
}

/** Current resident set size of a process in MB, or null once it is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Sample a process's RSS every `ms`; `stop()` returns the peak in MB. */
export function watchRss(pid: number, ms = 250): { stop(): number } {
  let peak = 0;
  const sample = () => {
    const r = rssMb(pid);
    if (r !== null && r > peak) peak = r;
  };
  sample();
  const timer = setInterval(sample, ms);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

const CLOCK_TICKS = 100; // USER_HZ; 100 on every Linux this runs on (getconf CLK_TCK)

/** CPU seconds (user + system) a process has used so far, or 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // fields after the ")" that ends the command name: state is #3, utime #14, stime #15
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Run the built CLI with arguments and env; resolves with wall seconds, peak RSS and output. */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ seconds: number; peakRssMb: number; output: string; code: number | null }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['dist/server/main.js', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const rss = watchRss(child.pid!);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { seconds: (performance.now() - t0) / 1000, peakRssMb: rss.stop(), output, code };
}
