// What the GitHub and GitLab emulators share: where branches come from, the queue of injected
// faults, and the one-minute window of creations behind a creation limit. How each host answers
// (its error shapes, rate-limit headers) stays in its own emulator.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { isValidBranchName } from '@publishgate/core';

/** A fault to inject into upcoming requests of an emulator whose operations are `Operation`. */
export type EmulatorFaultOf<Operation extends string> = {
  /** HTTP status to answer with, e.g. 502, 500, 401, 404 (each emulator answers in its host's shape). */
  status: number;
  /** Only requests of this operation take the fault. Default: the next API request of any kind. */
  operation?: Operation;
  /** For the create operation (`pulls.create`, `mergeRequests.create`): create first, then answer with `status` (a lost response). */
  afterCreate?: boolean;
  /** How many matching requests take it. Default 1. */
  times?: number;
};

/** A queued fault, as a request takes it. */
export type QueuedFault<Operation extends string> = { status: number; operation: Operation | undefined; afterCreate: boolean };

/** Faults waiting for requests: each is taken by the first request of its operation (or of any, when it names none). */
export function createFaultQueue<Operation extends string>() {
  const faults: Array<QueuedFault<Operation>> = [];
  return {
    add(fault: EmulatorFaultOf<Operation>): void {
      for (let index = 0; index < (fault.times ?? 1); index += 1) {
        faults.push({ status: fault.status, operation: fault.operation, afterCreate: fault.afterCreate ?? false });
      }
    },
    /** Takes the fault this request of `operation` gets, if any. */
    take(operation: Operation): QueuedFault<Operation> | undefined {
      const index = faults.findIndex((fault) => fault.operation === undefined || fault.operation === operation);
      return index < 0 ? undefined : faults.splice(index, 1)[0];
    },
  };
}

/** Whether a taken fault is answered before the request is handled (an `afterCreate` fault on the create operation waits). */
export function answersBeforeHandling<Operation extends string>(
  fault: QueuedFault<Operation> | undefined,
  operation: Operation,
  createOperation: Operation,
): fault is QueuedFault<Operation> {
  return fault !== undefined && !(fault.afterCreate && operation === createOperation);
}

/** A stable made-up commit id for a branch an emulator keeps in memory. */
export function fakeSha(name: string): string {
  return createHash('sha1').update(`branch:${name}`).digest('hex');
}

/**
 * The branches an emulator knows: read from a bare repository (`repositoryPath`), so a pull or
 * merge request for a branch never pushed is refused as the host would; or, without one, a list in
 * memory that starts with the default branch and that tests extend with `set`.
 */
export function createBranchStore(options: { defaultBranch: string; repositoryPath?: string | undefined }) {
  const branches = new Map<string, string>([[options.defaultBranch, fakeSha(options.defaultBranch)]]);
  const { repositoryPath } = options;
  return {
    /** The commit a branch points at, or undefined when it does not exist (or is not a valid name). */
    resolve(name: string): Promise<string | undefined> {
      if (!isValidBranchName(name)) return Promise.resolve(undefined);
      if (!repositoryPath) return Promise.resolve(branches.get(name));
      return new Promise((resolve) => {
        execFile(
          'git',
          ['--git-dir', repositoryPath, 'rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${name}^{commit}`],
          { env: { PATH: process.env.PATH ?? '', GIT_CONFIG_NOSYSTEM: '1' } },
          (error, stdout) => resolve(error ? undefined : stdout.trim()),
        );
      });
    },
    /** Adds or moves an in-memory branch; refused when branches come from a repository. */
    set(name: string, sha = fakeSha(name)): void {
      if (repositoryPath) throw new Error('setBranch is for emulators without repositoryPath; push the branch instead');
      if (!isValidBranchName(name)) throw new Error(`invalid branch name ${name}`);
      branches.set(name, sha);
    },
  };
}

/**
 * Creations (pull or merge requests) in the sliding window of `windowMs` on the emulator's clock:
 * a creation counts until exactly `windowMs` after it was made.
 */
export function createCreationWindow(clock: { now(): number }, windowMs: number) {
  const creations: number[] = [];
  const prune = () => {
    const windowStart = clock.now() - windowMs;
    while (creations.length > 0 && (creations[0] as number) <= windowStart) creations.shift();
  };
  return {
    /** Creations in the window now. */
    count(): number {
      prune();
      return creations.length;
    },
    /** When the oldest creation in the window leaves it (undefined when it is empty). */
    oldestLeavesAt(): number | undefined {
      prune();
      return creations.length === 0 ? undefined : (creations[0] as number) + windowMs;
    },
    record(): void {
      creations.push(clock.now());
    },
  };
}
