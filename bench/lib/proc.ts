import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** One line describing the machine, printed at the top of every benchmark. */
export function machine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Build dist/ (the benchmarks run the real binary). */
export function build(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
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
export function watchRss(pid: number, ms = 200): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    const r = rssMb(pid);
    if (r !== null && r > peak) peak = r;
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      const r = rssMb(pid);
      if (r !== null && r > peak) peak = r;
      return peak;
    },
  };
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
