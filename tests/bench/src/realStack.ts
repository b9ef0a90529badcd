/**
 * The benchmark users care about: publishgate on the real stack (a SQLite file through
 * `@publishgate/adapter-knex`, real git through `createSimpleGit`, the GitHub emulator through
 * `createGitHubHost`) against the floor, the least work that does the same job with the git CLI,
 * one HTTP request and one SQL statement, measured in the same run with the rounds interleaved, so
 * the machine's load hits both sides alike. Ratios are the median of the per-round ratios.
 *
 * Environment: `BENCH_ROUNDS` (timed rounds per size, default 7), `BENCH_SIZES` (workspace file
 * counts, default `20,1000,10000`), `BENCH_CONCURRENT` (approvals at once, default 50).
 */
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createGitHubHost, createSimpleGit } from '@publishgate/adapter-git';
import { type GitHubEmulator, startGitHubEmulator } from '@publishgate/adapter-git/testing';
import { createKnexStorage, createSqliteKnex, migrate } from '@publishgate/adapter-knex';
import {
  type Actor,
  createPublishGate,
  type GitHostPort,
  type GitPort,
  type PublishGate,
  type StoragePort,
  type Workspace,
} from '@publishgate/core';
import type { Knex } from 'knex';
import { formatTable, median, type Row, unionDuration } from './stats.js';

const run = promisify(execFile);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 7));
const SIZES = (process.env.BENCH_SIZES ?? '20,1000,10000').split(',').map(Number);
const CONCURRENT = Math.max(1, Number(process.env.BENCH_CONCURRENT ?? 50));
const CHANGED_FILES = 5;
const TOKEN = 'ghp_benchToken0000000000000000000000000000';
const builder: Actor = { id: 'builder-1', email: 'builder@example.com', roles: ['builder'] };
const admin: Actor = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };

// The harness's own git and the floor's: no system or global config, a fixed identity.
const HARNESS_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Builder',
  GIT_AUTHOR_EMAIL: 'builder@example.com',
  GIT_COMMITTER_NAME: 'Builder',
  GIT_COMMITTER_EMAIL: 'builder@example.com',
};

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...HARNESS_ENV, PATH: process.env.PATH }, maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

/** Time spent inside port calls, as intervals, so the core's own share can be told apart. */
type Interval = [start: number, end: number, port: PortName];
type PortName = 'storage' | 'git' | 'gitHost';
type PortClock = { intervals: Interval[]; take(): Interval[] };

function createPortClock(): PortClock {
  const clock: PortClock = {
    intervals: [],
    take() {
      const taken = clock.intervals;
      clock.intervals = [];
      return taken;
    },
  };
  return clock;
}

/** Wraps every method of a port so each call's interval is recorded. */
function timed<T extends object>(port: T, clock: PortClock, name: PortName): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const start = performance.now();
        const settle = () => clock.intervals.push([start, performance.now(), name]);
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) return result.finally(settle);
        settle();
        return result;
      };
    },
  });
}

/** A `git` first on the PATH that counts processes (the same git the adapter and the floor run). Linux only (`/proc`). */
async function createCounter(root: string) {
  const realGit = (await run('sh', ['-c', 'command -v git'])).stdout.trim();
  const dir = join(root, 'counter');
  await mkdir(dir);
  const log = join(dir, 'log');
  // Only processes the caller started count: git's own helpers have a git process as their parent,
  // and the emulator (GitHub's side) reads branches with `git --git-dir <remote> …`, which neither
  // the adapter nor the floor ever runs.
  await writeFile(
    join(dir, 'git'),
    `#!/bin/sh\nread parent < /proc/$PPID/comm\ncase "$parent:$1" in git*|*:--git-dir) ;; *) echo x >> '${log}' ;; esac\nexec '${realGit}' "$@"\n`,
  );
  chmodSync(join(dir, 'git'), 0o755);
  const plainPath = process.env.PATH ?? '';
  return {
    async count(work: () => Promise<unknown>): Promise<number> {
      await writeFile(log, '');
      process.env.PATH = `${dir}${delimiter}${plainPath}`;
      try {
        await work();
      } finally {
        process.env.PATH = plainPath;
      }
      return (await readFile(log, 'utf8')).split('\n').filter(Boolean).length;
    },
  };
}

/** One file count: a remote with a blueprint of that many files, an emulator reading its branches, a gate. */
type Stack = {
  size: number;
  root: string;
  remoteDir: string;
  emulator: GitHubEmulator;
  gate: PublishGate;
  clock: PortClock;
  workspaces: Map<string, string>;
};

async function createBlueprint(root: string, size: number): Promise<{ remoteDir: string; template: string }> {
  const blueprint = join(root, 'blueprint');
  for (let index = 0; index < size; index += 1) {
    const dir = join(blueprint, `section-${Math.floor(index / 100)}`);
    if (index % 100 === 0) await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `page-${index}.html`), `<h1>Page ${index}</h1>\n<p>Some text for page ${index}.</p>\n`);
  }
  await git(blueprint, ['init', '-q', '-b', 'main']);
  await git(blueprint, ['add', '-A']);
  await git(blueprint, ['commit', '-q', '-m', 'Blueprint']);
  const remoteDir = join(root, 'remote.git');
  await git(root, ['init', '-q', '--bare', '-b', 'main', remoteDir]);
  await git(blueprint, ['push', '-q', remoteDir, 'main']);
  const template = join(root, 'template');
  await git(root, ['clone', '-q', remoteDir, template]);
  return { remoteDir, template };
}

async function createStack(db: Knex, base: string, size: number): Promise<Stack & { template: string }> {
  const root = join(base, `files-${size}`);
  await mkdir(root, { recursive: true });
  const { remoteDir, template } = await createBlueprint(root, size);
  const emulator = await startGitHubEmulator({ token: TOKEN, repositoryPath: remoteDir });
  const workspaces = new Map<string, string>();
  const clock = createPortClock();
  const git = createSimpleGit({
    resolveWorkspaceDir: (workspace) => workspaces.get(workspace.id) as string,
    remote: remoteDir,
    baseBranch: 'main',
  });
  const gitHost = createGitHubHost({
    auth: TOKEN,
    owner: emulator.owner,
    repo: emulator.repo,
    baseUrl: emulator.url,
    baseBranch: 'main',
    log: { warn: () => undefined },
  });
  const gate = createPublishGate({
    storage: timed<StoragePort>(createKnexStorage({ knex: db, tablePrefix: `bench${size}_` }), clock, 'storage'),
    git: timed<GitPort>(git, clock, 'git'),
    gitHost: timed<GitHostPort>(gitHost, clock, 'gitHost'),
    // The bench measures the work of a publish; GitHub's pacing (80 per minute by default) would
    // turn a few hundred approvals into a measurement of waiting.
    // It times each approval to its outcome, so the call waits for it however loaded the machine is.
    policy: { publishPacing: false, publishWaitMs: 600_000 },
  });
  return { size, root, remoteDir, emulator, gate, clock, workspaces, template };
}

async function addWorkspace(stack: Stack & { template: string }, name: string): Promise<{ workspace: Workspace; dir: string }> {
  const dir = join(stack.root, name);
  await cp(stack.template, dir, { recursive: true });
  const workspace: Workspace = { id: `${stack.size}-${name}`, name: `Site ${name}`, blueprintId: 'bp-1', ownerId: builder.id };
  stack.workspaces.set(workspace.id, dir);
  return { workspace, dir };
}

/** The same edit in any workspace: a few pages change each round. */
async function edit(dir: string, size: number, round: number): Promise<void> {
  for (let index = 0; index < Math.min(CHANGED_FILES, size); index += 1) {
    const page = (round * CHANGED_FILES + index) % size;
    const path = join(dir, `section-${Math.floor(page / 100)}`, `page-${page}.html`);
    await writeFile(path, `${await readFile(path, 'utf8')}<p>Edit in round ${round}.</p>\n`);
  }
}

/** The floor's side of one workspace: raw git, one SQL statement per step, one POST per pull request. */
type FloorWorkspace = { dir: string; baseline: string; pending?: { id: string; sha: string } };

async function floorSubmit(db: Knex, floor: FloorWorkspace, id: string): Promise<void> {
  await git(floor.dir, ['add', '-A']);
  await git(floor.dir, ['commit', '-q', '-m', `Publish\n\nPublish-Request: ${id}`]);
  // The new sha without another process: the branch's loose ref, as git just wrote it.
  const sha = (await readFile(join(floor.dir, '.git', 'refs', 'heads', 'main'), 'utf8')).trim();
  const numstat = await git(floor.dir, ['diff', '--numstat', floor.baseline, sha]);
  const patch = await git(floor.dir, ['diff', floor.baseline, sha]);
  await db('bench_floor').insert({ id, sha, diff: JSON.stringify({ numstat, patch }), status: 'pending' });
  floor.pending = { id, sha };
}

async function floorApprove(db: Knex, stack: Stack, floor: FloorWorkspace): Promise<void> {
  const pending = floor.pending as { id: string; sha: string };
  const branch = `floor/${pending.id}`;
  await git(floor.dir, ['push', '-q', stack.remoteDir, `${pending.sha}:refs/heads/${branch}`]);
  const post = () =>
    fetch(`${stack.emulator.url}/repos/${stack.emulator.owner}/${stack.emulator.repo}/pulls`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json', accept: 'application/vnd.github+json' },
      body: JSON.stringify({ head: branch, base: 'main', title: `Publish ${pending.id}`, body: 'Publish request' }),
    });
  // A kept-alive connection the server closed while idle resets on reuse; Octokit retries that
  // too, so the floor gets one retry on a network error.
  const response = await post().catch(() => post());
  if (response.status !== 201) throw new Error(`the floor's pull request failed with ${response.status}`);
  const pull = (await response.json()) as { number: number };
  await db('bench_floor').where({ id: pending.id }).update({ status: 'approved', pr: pull.number });
  floor.baseline = pending.sha;
  floor.pending = undefined;
}

async function gateSubmit(stack: Stack, workspace: Workspace): Promise<string> {
  const request = await stack.gate.requestPublish({ workspace, subdomain: `site-${workspace.id}`, actor: builder });
  if (request.status !== 'pending') throw new Error(`submit ended ${request.status}`);
  return request.id;
}

async function gateApprove(stack: Stack, id: string): Promise<void> {
  const approved = await stack.gate.approve({ id, actor: admin });
  if (approved.status !== 'approved') {
    throw new Error(`approve ended ${approved.status}: ${approved.error?.message ?? JSON.stringify(approved.progress)}`);
  }
}

async function timeIt(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

// Where each gate operation's time went, per round: inside each port, and the rest (the core).
const spent = new Map<string, Record<PortName | 'core', number[]>>();

function breakdown(operation: string, total: number, intervals: Interval[]): void {
  const entry = spent.get(operation) ?? { storage: [], git: [], gitHost: [], core: [] };
  spent.set(operation, entry);
  for (const port of ['storage', 'git', 'gitHost'] as const)
    entry[port].push(unionDuration(intervals.filter((interval) => interval[2] === port)));
  entry.core.push(total - unionDuration(intervals));
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const times = (value: number) => `${value.toFixed(2)}×`;

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'publishgate-bench-'));
  const db = createSqliteKnex({ filename: join(base, 'bench.db') });
  const loadBefore = loadavg();
  const rows: Row[] = [];
  const shares: number[] = [];
  const counts = { gateSubmit: 0, gateApprove: 0, floorSubmit: 0, floorApprove: 0 };
  const started = performance.now();
  try {
    for (const size of SIZES) await migrate(db, { tablePrefix: `bench${size}_` });
    await db.schema.createTable('bench_floor', (table) => {
      table.string('id').primary();
      table.string('sha');
      table.text('diff');
      table.string('status');
      table.integer('pr');
    });
    const counter = await createCounter(base);
    const submitRows: Row[] = [];
    const approveRows: Row[] = [];
    for (const size of SIZES) {
      const stack = await createStack(db, base, size);
      try {
        const gateSide = await addWorkspace(stack, 'gate');
        const floorSide = await addWorkspace(stack, 'floor');
        const floor: FloorWorkspace = { dir: floorSide.dir, baseline: (await git(floorSide.dir, ['rev-parse', 'HEAD'])).trim() };
        const submitRatios: number[] = [];
        const approveRatios: number[] = [];
        const gateTimes = { submit: [] as number[], approve: [] as number[] };
        const floorTimes = { submit: [] as number[], approve: [] as number[] };
        // Round 0 warms both sides up (the first publish diffs against the blueprint) and is not timed.
        for (let round = 0; round <= ROUNDS; round += 1) {
          await edit(gateSide.dir, size, round);
          await edit(floorSide.dir, size, round);
          const measure = async () => {
            stack.clock.take();
            let id = '';
            const submit = await timeIt(async () => {
              id = await gateSubmit(stack, gateSide.workspace);
            });
            const submitPorts = stack.clock.take();
            const approve = await timeIt(() => gateApprove(stack, id));
            const approvePorts = stack.clock.take();
            breakdown(`submit, ${size} files`, submit, submitPorts);
            breakdown(`approve, ${size} files`, approve, approvePorts);
            const inPorts = unionDuration(submitPorts) + unionDuration(approvePorts);
            return { submit, approve, share: (submit + approve - inPorts) / (submit + approve) };
          };
          const measureFloor = async () => {
            const submit = await timeIt(() => floorSubmit(db, floor, `${size}-${round}`));
            const approve = await timeIt(() => floorApprove(db, stack, floor));
            return { submit, approve };
          };
          // Interleaved: odd rounds run the floor first.
          let gateRound: Awaited<ReturnType<typeof measure>>;
          let floorRound: Awaited<ReturnType<typeof measureFloor>>;
          if (round % 2 === 0) {
            gateRound = await measure();
            floorRound = await measureFloor();
          } else {
            floorRound = await measureFloor();
            gateRound = await measure();
          }
          if (round === 0) continue;
          gateTimes.submit.push(gateRound.submit);
          gateTimes.approve.push(gateRound.approve);
          floorTimes.submit.push(floorRound.submit);
          floorTimes.approve.push(floorRound.approve);
          submitRatios.push(gateRound.submit / floorRound.submit);
          approveRatios.push(gateRound.approve / floorRound.approve);
          shares.push(gateRound.share);
        }
        const submitRatio = median(submitRatios);
        const approveRatio = median(approveRatios);
        submitRows.push({
          measure: `requestPublish, ${size.toLocaleString('en')} files`,
          gate: ms(median(gateTimes.submit)),
          floor: ms(median(floorTimes.submit)),
          ratio: times(submitRatio),
          target: '≤ 1.3×',
          met: submitRatio <= 1.3,
        });
        approveRows.push({
          measure: `approve, ${size.toLocaleString('en')} files`,
          gate: ms(median(gateTimes.approve)),
          floor: ms(median(floorTimes.approve)),
          ratio: times(approveRatio),
          target: '≤ 1.2×',
          met: approveRatio <= 1.2,
        });
        if (size === SIZES[0]) {
          // Processes per operation, counted once on the smallest workspace.
          await edit(gateSide.dir, size, ROUNDS + 1);
          await edit(floorSide.dir, size, ROUNDS + 1);
          let id = '';
          counts.gateSubmit = await counter.count(async () => {
            id = await gateSubmit(stack, gateSide.workspace);
          });
          counts.gateApprove = await counter.count(() => gateApprove(stack, id));
          counts.floorSubmit = await counter.count(() => floorSubmit(db, floor, `${size}-count`));
          counts.floorApprove = await counter.count(() => floorApprove(db, stack, floor));
          rows.push(await concurrentApprovals(db, stack));
        }
      } finally {
        await stack.emulator.close();
      }
    }
    rows.unshift(...submitRows, ...approveRows);
    rows.push(
      {
        measure: 'git processes per submit',
        gate: String(counts.gateSubmit),
        floor: String(counts.floorSubmit),
        ratio: times(counts.gateSubmit / counts.floorSubmit),
        target: '≤ 6',
        met: counts.gateSubmit <= 6,
      },
      {
        measure: 'git processes per approval',
        gate: String(counts.gateApprove),
        floor: String(counts.floorApprove),
        ratio: times(counts.gateApprove / counts.floorApprove),
        target: '≤ 2',
        met: counts.gateApprove <= 2,
      },
      {
        measure: 'core’s own share of a publish (submit + approve)',
        gate: `${(median(shares) * 100).toFixed(1)} %`,
        floor: '',
        ratio: '',
        target: '≤ 5 %',
        met: median(shares) <= 0.05,
      },
    );
  } finally {
    await db.destroy();
    await rm(base, { recursive: true, force: true });
  }
  const loadAfter = loadavg();
  const gitVersion = (await run('git', ['--version'])).stdout.trim();
  console.log(
    [
      `publishgate real-stack bench — ${new Date().toISOString()}, node ${process.version}, ${gitVersion}, ${cpus().length} CPUs`,
      `rounds ${ROUNDS} per size (interleaved with the floor), ${CONCURRENT} concurrent approvals, ${CHANGED_FILES} files changed per round`,
      `load average before ${loadBefore.map((value) => value.toFixed(2)).join(' ')}, after ${loadAfter.map((value) => value.toFixed(2)).join(' ')}; ran ${((performance.now() - started) / 1000).toFixed(0)} s`,
      '',
      formatTable(rows),
      '',
      'Median time per operation inside each port, and outside all of them (the core):',
      '',
      '| operation | storage | git | gitHost | core |',
      '| --- | --- | --- | --- | --- |',
      ...[...spent].map(
        ([operation, entry]) =>
          `| ${operation} | ${ms(median(entry.storage))} | ${ms(median(entry.git))} | ${ms(median(entry.gitHost))} | ${ms(median(entry.core))} |`,
      ),
    ].join('\n'),
  );
}

/** `CONCURRENT` approvals at once against the floor's `CONCURRENT` push + POST + update at once, in turns. */
async function concurrentApprovals(db: Knex, stack: Stack & { template: string }): Promise<Row> {
  const gateSides = await Promise.all(Array.from({ length: CONCURRENT }, (_, index) => addWorkspace(stack, `many-gate-${index}`)));
  const floorSides: FloorWorkspace[] = [];
  for (let index = 0; index < CONCURRENT; index += 1) {
    const { dir } = await addWorkspace(stack, `many-floor-${index}`);
    floorSides.push({ dir, baseline: (await git(dir, ['rev-parse', 'HEAD'])).trim() });
  }
  const rounds = Math.min(ROUNDS, 3);
  const ratios: number[] = [];
  const gateRates: number[] = [];
  const floorRates: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // Untimed: one pending request per workspace on each side.
    const ids: string[] = [];
    for (const side of gateSides) {
      await edit(side.dir, stack.size, round);
      ids.push(await gateSubmit(stack, side.workspace));
    }
    for (const [index, side] of floorSides.entries()) {
      await edit(side.dir, stack.size, round);
      await floorSubmit(db, side, `many-${index}-${round}`);
    }
    const runGate = () => timeIt(() => Promise.all(ids.map((id) => gateApprove(stack, id))));
    const runFloor = () => timeIt(() => Promise.all(floorSides.map((side) => floorApprove(db, stack, side))));
    let gateTime: number;
    let floorTime: number;
    if (round % 2 === 0) {
      gateTime = await runGate();
      floorTime = await runFloor();
    } else {
      floorTime = await runFloor();
      gateTime = await runGate();
    }
    const gateRate = (CONCURRENT / gateTime) * 1000;
    const floorRate = (CONCURRENT / floorTime) * 1000;
    gateRates.push(gateRate);
    floorRates.push(floorRate);
    ratios.push(gateRate / floorRate);
  }
  const ratio = median(ratios);
  return {
    measure: `${CONCURRENT} approvals at once (throughput)`,
    gate: `${median(gateRates).toFixed(1)}/s`,
    floor: `${median(floorRates).toFixed(1)}/s`,
    ratio: times(ratio),
    target: '≥ 0.9×',
    met: ratio >= 0.9,
  };
}

await main();
