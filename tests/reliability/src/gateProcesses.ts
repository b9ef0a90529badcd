import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_ENV, type GateProcessConfig, type GateProcessEvent } from './gateProcessConfig.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const entry = join(here, 'gateProcess.ts');

/** How a gate process ended, and what it said. */
export type GateProcessExit = {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: GateProcessEvent[];
  stderr: string;
};

/** A spawned gate process. */
export type GateProcess = {
  child: ChildProcess;
  /** Every event printed so far. */
  readonly events: GateProcessEvent[];
  /** Resolves with the first event matching `predicate` (rejects if the process ends first). */
  waitFor(predicate: (event: GateProcessEvent) => boolean): Promise<GateProcessEvent>;
  /** Resolves when the process has ended. */
  exited: Promise<GateProcessExit>;
};

/**
 * Spawns `src/gateProcess.ts` in a new Node process (`node --conditions=@publishgate/source --import
 * tsx`, so it runs the packages' sources like the tests do). Node itself, not a tsx wrapper, is the
 * child: a SIGKILL it sends itself is what the test observes as `signal`.
 */
export function spawnGateProcess(config: GateProcessConfig): GateProcess {
  const child = spawn(process.execPath, ['--conditions=@publishgate/source', '--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...process.env, [CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: GateProcessEvent[] = [];
  const waiters: Array<{ predicate: (event: GateProcessEvent) => boolean; resolve: (event: GateProcessEvent) => void }> = [];
  let stderr = '';
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as GateProcessEvent;
      events.push(event);
      for (const waiter of waiters.filter((candidate) => candidate.predicate(event))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<GateProcessExit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, events, stderr }));
  });
  return {
    child,
    events,
    exited,
    waitFor(predicate) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then((exit) => {
          const late = events.find(predicate);
          if (late) resolve(late);
          else reject(new Error(`gate process exited (code ${exit.code}, signal ${exit.signal}) first:\n${describe(exit)}`));
        });
      });
    },
  };
}

/** Runs a gate process to its end. */
export function runGateProcess(config: GateProcessConfig): Promise<GateProcessExit> {
  return spawnGateProcess(config).exited;
}

/** A human-readable account of a process's output, for assertion messages. */
export function describe(exit: GateProcessExit): string {
  return [...exit.events.map((event) => JSON.stringify(event).slice(0, 2_000)), exit.stderr.slice(-4_000)].join('\n');
}

/** A gate process serving HTTP. */
export type GateServer = { url: string; process: GateProcess; stop(): Promise<GateProcessExit> };

/** Starts a gate process with a `serve` task and resolves once it listens. */
export async function startGateServer(config: GateProcessConfig): Promise<GateServer> {
  const gateProcess = spawnGateProcess(config);
  const ready = await gateProcess.waitFor((event) => event.event === 'ready');
  const port = ready.event === 'ready' ? ready.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    process: gateProcess,
    async stop() {
      if (gateProcess.child.exitCode === null && gateProcess.child.signalCode === null) gateProcess.child.kill('SIGTERM');
      return gateProcess.exited;
    },
  };
}
