import type { Actor, PublishGatePolicy, PublishRequest, SweepReport, Workspace } from '@publishgate/core';
import type { StoreLocation } from './stores.js';

/**
 * The effect boundaries a publish crosses, in order. A gate process told to crash at one is
 * SIGKILLed by itself right after that step resolved, before it can do anything else:
 *
 * - `claim`: the decision's compare-and-set to `approving` is committed, with its publish job;
 * - `push`: the pinned commit is on the remote branch;
 * - `pullRequest`: the pull request is open;
 * - `store`: `approved` is committed (with its outbox row);
 * - `notify`: the receiver accepted the `request.approved` webhook (its outbox row is not yet marked).
 */
export const CRASH_POINTS = ['claim', 'push', 'pullRequest', 'store', 'notify'] as const;

/** One of {@link CRASH_POINTS}. */
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** What a gate process is told, as JSON in `RELIABILITY_GATE_CONFIG`. */
export type GateProcessConfig = {
  store: StoreLocation;
  git: { remoteUrl: string; workspacesDir: string };
  /** The GitHub host against the emulator; the gate's host unless `gitlab` is given. */
  github?: { url: string; owner: string; repo: string; token: string; secondMs: number };
  /** The GitLab host against the GitLab emulator instead of GitHub. */
  gitlab?: { url: string; projectPath: string; token: string };
  webhook?: { url: string; secret: string };
  /** Added to the real time for the gate's clock, e.g. to get past the job and outbox leases a crashed process held. */
  clockOffsetMs?: number;
  /** The gate's `recoverAfterMs` (how long a publish job is leased). Default: the gate's own (150 s). */
  recoverAfterMs?: number;
  /** The gate's policy. Default: the gate's own. */
  policy?: PublishGatePolicy;
  /** Every push waits this long first (real ms), so a test can kill the process mid-publish. */
  pushDelayMs?: number;
  task: PublishTask | RecoverTask | ServeTask;
};

/** Submit as the builder, deliver the submission notice, then approve as the admin; crash at `crashAfter`. */
export type PublishTask = {
  kind: 'publish';
  workspace: Workspace;
  builder: Actor;
  admin: Actor;
  subdomain: string;
  crashAfter?: CrashPoint;
};

/** Run `sweep()` `sweeps` times, report, exit. */
export type RecoverTask = { kind: 'recover'; sweeps: number };

/**
 * Serve the HTTP API on 127.0.0.1 until SIGTERM, with a test-only `authenticate` that trusts the
 * `x-test-actor` header, and `sweep()` every `sweepIntervalMs` as a production server would.
 */
export type ServeTask = {
  kind: 'serve';
  sweepIntervalMs?: number;
  /** Runs `gate.startWorker` with these options while serving. */
  worker?: { concurrency?: number; pollIntervalMs?: number };
  /** Serves `POST /api/publishgate/hooks/github`, verifying deliveries with this secret. */
  githubWebhookSecret?: string;
};

/** One line a gate process writes to stdout (JSON). */
export type GateProcessEvent =
  | { event: 'submitted'; request: PublishRequest }
  | { event: 'crashing'; point: CrashPoint }
  | { event: 'approved'; request: PublishRequest }
  | { event: 'swept'; reports: SweepReport[] }
  | { event: 'ready'; port: number }
  | { event: 'pushing'; requestId: string }
  | { event: 'failed'; message: string };

/** The environment variable carrying the JSON {@link GateProcessConfig}. */
export const CONFIG_ENV = 'RELIABILITY_GATE_CONFIG';
