import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  type Baseline,
  type CommitAuthor,
  type DiffSummary,
  type GitPort,
  isValidBranchName,
  MAX_DIFF_FILES,
  MAX_PATCH_CHARS,
  PublishGateError,
  publishRequestIdOf,
  type Workspace,
} from '@publishgate/core';
import { createCombinedDiffReader } from './diffSummary.js';
import { AUTH_HEADER_ENV, baseEnv, GitExitError, type GitRun, runGit, runGitBytes, streamGit, WORKSPACE_HARDENING } from './gitRunner.js';
import { type CommitDetails, type CommitFacts, createFactCache, parseCatFileBatch, readLooseCommit } from './objectFacts.js';
import { basicAuthSecrets, createRedactor, type Redactor } from './redact.js';
import { parseRemoteUrl, type RemoteUrl } from './remoteUrl.js';
import {
  CARRIED_KEYS_PATTERN,
  type CarriedSettings,
  createScratchRepo,
  fileIdentity,
  lockIndex,
  openWorkspaceRepo,
  parseCarriedSettings,
  readConfigForCache,
  readHeadRef,
  removeStaleScratchDirs,
  type ScratchRepo,
  type WorkspaceRepo,
} from './workspaceRepo.js';

/** Username and password (or token) for an https remote. */
export type GitCredentials = { username: string; password: string };

/** Options for {@link createSimpleGit}. */
export type SimpleGitAdapterOptions = {
  /** The absolute path of a workspace's working copy (a clone of `remote`, with its own `.git` directory). */
  resolveWorkspaceDir: (workspace: Workspace) => string | Promise<string>;
  /**
   * Where publish branches are pushed and the blueprint base is read from: `https://…`, `ssh://…`,
   * `user@host:path`, or `file:///…`/an absolute path for a local repository. Never with credentials
   * in it; see `credentials`. A function of the workspace gives each workspace (or blueprint) its
   * own repository: it is called (and may look the repository up asynchronously) on every preview,
   * commit and push, and its answer is checked like a fixed remote each time.
   */
  remote: string | ((workspace: Workspace) => string | Promise<string>);
  /** The branch blueprints live on and pull requests target. Default `main`. */
  baseBranch?: string;
  /** The committer recorded on publish commits (the builder is the author). Default `publishgate <publishgate@localhost>`. */
  author?: CommitAuthor;
  /**
   * Credentials for an https remote, asked for on each push or fetch. They travel as an HTTP
   * Authorization header set through `git --config-env`, so they never appear in a URL, a command
   * line, a config file or a message. For GitHub use `{ username: 'x-access-token', password: token }`.
   * Called with the workspace, so a remote per workspace can have credentials of its own.
   */
  credentials?: (workspace: Workspace) => GitCredentials | Promise<GitCredentials>;
  /** A CA bundle (absolute path) to trust for the https remote, e.g. a GitHub Enterprise Server with a private CA. */
  caFile?: string;
  /** Total characters of unified patch kept by `preview`. Default 500,000 (at most 2,000,000). */
  maxPatchChars?: number;
  /** Characters of patch kept per file. Default 100,000. */
  maxFilePatchChars?: number;
  /** Files listed by `preview`. Default 20,000. */
  maxFiles?: number;
  /** A git process silent for this long is killed. Default 120,000 ms. */
  timeoutMs?: number;
};

const DEFAULT_COMMITTER: CommitAuthor = { name: 'publishgate', email: 'publishgate@localhost' };
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
const IDENTITY_UNSAFE = /[\u0000-\u001f\u007f<>]/;
const MAX_MESSAGE_CHARS = 65_536;
/** Thrown inside a commit's index lock when HEAD moved since it was read: that attempt starts over. */
const HEAD_MOVED = Symbol('HEAD moved');

/** One call's view of a workspace: its checked layout, a scratch git dir and the runners bound to both. */
type Session = {
  repo: WorkspaceRepo;
  /** This workspace's remote, checked. */
  remote: RemoteUrl;
  scratch: ScratchRepo;
  /** A command against the builder's own repository (its config applies; hardening prefix on). */
  inWorkspace(args: string[], stdin?: string): Promise<string>;
  /** A command on the workspace's objects with the scratch config. */
  local(args: string[], extra?: { workTree?: boolean; indexFile?: string; stdin?: string; env?: Record<string, string> }): Promise<string>;
  stream(args: string[], onText: (text: string) => boolean): Promise<{ stopped: boolean }>;
  /** A command fed `stdin` whose output is read as bytes, in the workspace or with the scratch config. */
  bytes(args: string[], stdin: string, where: 'workspace' | 'scratch'): Promise<Buffer>;
  /** A command that talks to the remote (the only runner with a transport allowed). */
  network(args: string[]): Promise<string>;
};

/**
 * A {@link GitPort} on the git CLI for workspaces that are git clones on the server's disk (the name
 * stays from its simple-git days; arguments are still checked with simple-git's guard).
 *
 * The builder owns their workspace, `.git/config` included, so the adapter treats it as hostile:
 * everything that reads files, diffs, fetches or pushes runs with `GIT_DIR` pointing at a scratch
 * directory whose config the adapter wrote (and `GIT_OBJECT_DIRECTORY` at the workspace's objects),
 * so the workspace's hooks, filters, fsmonitor, aliases, `url.*.insteadOf`, credential helpers and
 * `core.sshCommand` are never read. Only reading HEAD and moving it after a commit use the
 * workspace's config, with `-c core.hooksPath=/dev/null -c core.fsmonitor=false`. Shas must be full
 * ids of commits in the workspace, branch names must pass git's ref-name rules, the remote must be
 * https, ssh or file, and pushes are create-only.
 *
 * The blueprint baseline (first publish) is the merge-base of the workspace's HEAD with the base
 * branch fetched from `remote` at that moment, never the workspace's own remote-tracking ref, which
 * the builder could move to hide changes from the reviewer.
 *
 * With `remote` as a function of the workspace, every check above applies to each workspace's own
 * remote: its URL is validated on every call, credentials are asked for with that workspace, and
 * branch lookups, fetches and pushes go only to it.
 *
 * @example
 * ```ts
 * import { createSimpleGit } from '@publishgate/adapter-git';
 *
 * const git = createSimpleGit({
 *   resolveWorkspaceDir: (workspace) => `/srv/workspaces/${workspace.id}`,
 *   remote: 'https://github.com/acme/sites.git',
 *   baseBranch: 'main',
 *   author: { name: 'Publish bot', email: 'publish@acme.example' },
 *   credentials: async () => ({ username: 'x-access-token', password: await installationToken() }),
 * });
 * ```
 */
export function createSimpleGit(options: SimpleGitAdapterOptions): GitPort {
  // A fixed remote is checked once, now; a function's answer on every call (resolveRemote).
  const fixedRemote = typeof options.remote === 'function' ? undefined : checkCredentialsFit(parseRemoteUrl(options.remote));
  const baseBranch = options.baseBranch ?? 'main';
  if (!isValidBranchName(baseBranch)) throw new PublishGateError('validation', 'baseBranch is not a valid branch name.');
  const committer = checkIdentity(options.author ?? DEFAULT_COMMITTER, 'author');

  function checkCredentialsFit(remote: RemoteUrl): RemoteUrl {
    if (options.credentials && remote.protocol !== 'https') {
      throw new PublishGateError('validation', 'credentials are only sent to https remotes; ssh uses the server’s ssh keys.', {
        issues: [{ path: 'remote', message: 'credentials need an https remote' }],
      });
    }
    return remote;
  }

  /** The workspace's remote: the fixed one, or the function's answer checked like a fixed one. */
  async function resolveRemote(workspace: Workspace): Promise<RemoteUrl> {
    if (fixedRemote) return fixedRemote;
    const resolve = options.remote as (workspace: Workspace) => string | Promise<string>;
    let raw: unknown;
    try {
      raw = await resolve(workspace);
    } catch (error) {
      if (PublishGateError.is(error)) throw error;
      // A lookup that failed (a database, a registry) may work next time: a plain error, which the
      // gate reports as a retryable port_failed.
      throw new Error(
        `The remote function failed for workspace ${workspace?.id}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (typeof raw !== 'string') {
      throw new PublishGateError('validation', `The remote function returned no URL for workspace ${workspace?.id}.`, {
        issues: [{ path: 'remote', message: 'expected a string' }],
      });
    }
    return checkCredentialsFit(parseRemoteUrl(raw));
  }
  if (options.caFile !== undefined && (!isAbsolute(options.caFile) || /[\r\n\0"]/.test(options.caFile))) {
    throw new PublishGateError('validation', 'caFile must be an absolute path.');
  }
  const maxPatchChars = Math.min(positive(options.maxPatchChars, 500_000), MAX_PATCH_CHARS);
  const maxFilePatchChars = Math.max(1_000, Math.min(positive(options.maxFilePatchChars, 100_000), maxPatchChars));
  const maxFiles = Math.min(positive(options.maxFiles, MAX_DIFF_FILES), MAX_DIFF_FILES);
  const timeoutMs = positive(options.timeoutMs, 120_000);
  // Facts that cannot change while this process runs: what a commit id names (objects are
  // immutable), the blueprint base a publish commit was made against, and the carried settings of a
  // config file with the same bytes. They save a git process each on every submit and approval.
  const commits = createFactCache<CommitFacts>(2_000);
  const blueprintBases = createFactCache<string>(2_000);
  const carried = createFactCache<{ text: string; settings: CarriedSettings }>(2_000);
  // Scratch directories of processes that died (SIGKILL) are removed once, before the first call.
  let sweptScratch: Promise<void> | undefined;

  /**
   * The carried settings of the workspace's config, read with git once per distinct config file
   * content. A config that includes other files is read every time: those files can change unseen.
   */
  async function carriedSettings(repo: WorkspaceRepo, inWorkspace: (args: string[]) => Promise<string>): Promise<CarriedSettings> {
    const text = await readConfigForCache(repo.gitDir);
    const known = text === undefined ? undefined : carried.get(repo.gitDir);
    if (known && known.text === text) return known.settings;
    const settings = await readCarriedSettings(inWorkspace);
    if (text !== undefined) carried.set(repo.gitDir, { text, settings });
    return settings;
  }

  /** Opens a session, runs `work`, and always removes the scratch directory. Every error leaves redacted. */
  async function withSession<T>(
    workspace: Workspace,
    signal: AbortSignal | undefined,
    work: (session: Session) => Promise<T>,
    known?: CarriedSettings,
  ): Promise<T> {
    let redact: Redactor = createRedactor();
    const redactNow: Redactor = (text) => redact(text);
    let authEnv: Record<string, string> | undefined;
    let scratch: ScratchRepo | undefined;
    try {
      signal?.throwIfAborted();
      sweptScratch ??= removeStaleScratchDirs().then(
        () => undefined,
        () => undefined,
      );
      await sweptScratch;
      const remote = await resolveRemote(workspace);
      const repo = await openWorkspaceRepo(await options.resolveWorkspaceDir(workspace));
      const run = (cwd: string, env: Record<string, string>, extra: Partial<GitRun> = {}): GitRun => ({
        cwd,
        env,
        timeoutMs,
        signal,
        redact: redactNow,
        ...extra,
      });
      const workspaceEnv = { ...baseEnv(), GIT_DIR: repo.gitDir };
      const inWorkspace = (args: string[], stdin?: string) =>
        runGit(args, run(repo.workTree, workspaceEnv, { config: WORKSPACE_HARDENING, ...(stdin === undefined ? {} : { stdin }) }));
      const settings = known ?? (await carriedSettings(repo, inWorkspace));
      const opened = await createScratchRepo({
        settings,
        excludeFile: join(repo.gitDir, 'info', 'exclude'),
        ...(options.caFile ? { caFile: options.caFile } : {}),
      });
      scratch = opened;
      const scratchEnv = { ...baseEnv(), GIT_DIR: opened.dir, GIT_OBJECT_DIRECTORY: repo.objectsDir };
      const session: Session = {
        repo,
        remote,
        scratch: opened,
        inWorkspace,
        local: (args, extra = {}) =>
          runGit(
            args,
            run(
              extra.workTree ? repo.workTree : opened.dir,
              {
                ...scratchEnv,
                ...(extra.workTree ? { GIT_WORK_TREE: repo.workTree } : {}),
                ...(extra.indexFile ? { GIT_INDEX_FILE: extra.indexFile } : {}),
                ...extra.env,
              },
              extra.stdin === undefined ? {} : { stdin: extra.stdin },
            ),
          ),
        stream: (args, onText) => streamGit(args, run(opened.dir, scratchEnv), onText),
        bytes: (args, stdin, where) =>
          where === 'workspace'
            ? runGitBytes(args, run(repo.workTree, workspaceEnv, { config: WORKSPACE_HARDENING, stdin }))
            : runGitBytes(args, run(opened.dir, scratchEnv, { stdin })),
        network: async (args) => {
          if (options.credentials && authEnv === undefined) {
            const credentials = await options.credentials(workspace);
            if (!credentials || typeof credentials.username !== 'string' || typeof credentials.password !== 'string') {
              throw new Error('The credentials callback returned no username and password.');
            }
            redact = createRedactor(basicAuthSecrets(credentials.username, credentials.password));
            const basic = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
            authEnv = { [AUTH_HEADER_ENV]: `Authorization: Basic ${basic}` };
          }
          const prefix = authEnv ? [`--config-env=http.extraHeader=${AUTH_HEADER_ENV}`] : [];
          try {
            return await runGit([...prefix, ...args], run(opened.dir, { ...scratchEnv, GIT_ALLOW_PROTOCOL: remote.protocol, ...authEnv }));
          } catch (error) {
            // With prompts and helpers off, a refused login shows up as "could not read Username".
            if (
              error instanceof GitExitError &&
              /could not read (?:username|password)|authentication failed|returned error: 40[13]/i.test(error.stderr)
            ) {
              throw new Error(`The remote ${remote.url} refused the credentials (authentication failed).`);
            }
            throw error;
          }
        },
      };
      return await work(session);
    } catch (error) {
      throw sanitize(error, redact, signal);
    } finally {
      await scratch?.dispose();
    }
  }

  const factKey = (session: Session, sha: string) => `${session.repo.objectsDir}\0${sha}`;
  // A blueprint base depends on the remote it was fetched from, too.
  const baseKey = (session: Session, sha: string) => `${session.remote.url}\0${factKey(session, sha)}`;

  /**
   * Looks commits up by name, all in one `cat-file --batch` process (none when every name is a
   * commit id seen before, unless `whole` asks for message, parents and committer). `HEAD` is read in the workspace, where its refs are; ids are read with
   * the scratch config. A name that is not a commit comes back undefined.
   */
  async function readCommits(
    session: Session,
    names: string[],
    whole = false,
  ): Promise<Map<string, CommitDetails | CommitFacts | undefined>> {
    const found = new Map<string, CommitDetails | CommitFacts | undefined>();
    const unknown: string[] = [];
    for (const name of names) {
      const known = name === 'HEAD' || whole ? undefined : commits.get(factKey(session, name));
      if (known) found.set(name, known);
      else if (!unknown.includes(name)) unknown.push(name);
    }
    if (unknown.length === 0) return found;
    const input = `${unknown.join('\n')}\n`;
    const output = unknown.includes('HEAD')
      ? await session.bytes(['cat-file', '--batch'], input, 'workspace')
      : await session.bytes(['cat-file', '--batch'], input, 'scratch');
    parseCatFileBatch(output, unknown.length).forEach((details, index) => {
      const name = unknown[index] as string;
      // A full id must name itself; anything else (a ref shadowing an id) is not that commit.
      const valid = details !== undefined && (name === 'HEAD' || details.sha === name);
      found.set(name, valid ? details : undefined);
      if (valid) commits.set(factKey(session, details.sha), { sha: details.sha, tree: details.tree });
    });
    return found;
  }

  function requireCommit(facts: CommitFacts | undefined, sha: string, what: string): CommitFacts {
    if (!facts) {
      throw new PublishGateError('validation', `The ${what} ${sha} is not a commit in this workspace.`, {
        issues: [{ path: what, message: 'not a commit in this workspace' }],
      });
    }
    return facts;
  }

  /**
   * The blueprint base of `commit`: its merge-base with the base branch fetched from the remote now.
   * A publish commit made here remembers the base it was checked against, so the preview of that
   * commit diffs against the same base without another fetch.
   */
  async function blueprintBase(session: Session, commit: string): Promise<CommitFacts> {
    const remembered = blueprintBases.get(baseKey(session, commit));
    if (remembered) return requireCommit((await readCommits(session, [remembered])).get(remembered), remembered, 'baseline');
    // Offer the commit as a local ref, so fetch negotiates from it and transfers only what is missing.
    const refs = join(session.scratch.dir, 'refs', 'publishgate');
    await mkdir(refs, { recursive: true });
    await writeFile(join(refs, 'head'), `${commit}\n`);
    await session.network([
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-recurse-submodules',
      '--no-write-fetch-head',
      '--no-auto-gc',
      '--end-of-options',
      session.remote.url,
      `refs/heads/${baseBranch}:refs/publishgate/base`,
    ]);
    let base: string;
    try {
      base = (await session.local(['merge-base', '--end-of-options', commit, 'refs/publishgate/base'])).trim();
    } catch (error) {
      if (error instanceof GitExitError && error.exitCode === 1) {
        throw new Error(`The workspace shares no history with ${baseBranch} on the remote.`);
      }
      throw error;
    }
    return requireCommit((await readCommits(session, [base])).get(base), base, 'baseline');
  }

  function checkBaseline(baseline: Baseline): void {
    if (baseline?.kind === 'publication' || baseline?.kind === 'commit') assertSha(baseline.sha, 'baseline');
    else if (baseline?.kind !== 'blueprint') throw new PublishGateError('validation', 'Unknown baseline kind.');
  }

  /**
   * Stages every change of the working tree into `indexFile`, starting from a copy of the builder's
   * index so unchanged files are not re-hashed. The builder's index is not touched.
   */
  async function stage(session: Session, indexFile: string): Promise<void> {
    await copyFile(session.repo.indexFile, indexFile).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await session.local(['add', '--all'], { workTree: true, indexFile });
  }

  /** {@link stage}, then the staged tree's id. */
  async function snapshot(session: Session, indexFile: string): Promise<string> {
    await stage(session, indexFile);
    return (await session.local(['write-tree'], { indexFile })).trim();
  }

  /** The commit the scratch repository's (detached) HEAD names: the one `git commit` just made there. */
  async function scratchHead(session: Session): Promise<string> {
    const sha = (await readFile(join(session.scratch.dir, 'HEAD'), 'utf8')).trim();
    if (!SHA.test(sha)) throw new Error('git commit left no commit id behind.');
    return sha;
  }

  /** The file listing and the bounded patch, from one `git diff` process. */
  async function summarize(session: Session, base: string, target: string): Promise<DiffSummary> {
    const reader = createCombinedDiffReader({ maxPatchChars, maxFilePatchChars });
    const { stopped } = await session.stream(
      [
        'diff',
        '--raw',
        '--numstat',
        '--patch',
        '-z',
        '-M',
        '--no-color',
        '--no-ext-diff',
        '--no-textconv',
        '--src-prefix=a/',
        '--dst-prefix=b/',
        '--end-of-options',
        base,
        target,
      ],
      (text) => reader.push(text),
    );
    const { files: all, patch, truncated } = reader.finish(stopped);
    if (all.length === 0) return { files: [], additions: 0, deletions: 0, patch: '', truncated: false };
    return {
      files: all.slice(0, maxFiles),
      additions: all.reduce((sum, file) => sum + file.additions, 0),
      deletions: all.reduce((sum, file) => sum + file.deletions, 0),
      patch,
      truncated: truncated || all.length > maxFiles,
    };
  }

  async function remoteBranchSha(session: Session, branch: string): Promise<string | undefined> {
    const ref = `refs/heads/${branch}`;
    const out = await session.network(['ls-remote', '--refs', '--end-of-options', session.remote.url, ref]);
    for (const line of out.split('\n')) {
      const [sha, name] = line.split('\t');
      if (name === ref && sha && SHA.test(sha)) return sha;
    }
    return undefined;
  }

  /**
   * Takes the builder's index lock only for the last step: checks that their index is still the one
   * the snapshot started from, runs `work` (create the commit, move HEAD), then puts the snapshot's
   * index in place. Resolves `false`, having changed nothing, when the builder's git wrote the index
   * meanwhile.
   */
  async function installIndex<T>(
    session: Session,
    indexFile: string,
    before: string,
    work: () => Promise<T>,
  ): Promise<{ done: false } | { done: true; value: T }> {
    const lock = await lockIndex(session.repo);
    try {
      if ((await fileIdentity(session.repo.indexFile)) !== before) return { done: false };
      const value = await work();
      await lock.commit(indexFile);
      return { done: true, value };
    } finally {
      await lock.release();
    }
  }

  const port = {
    async preview({ workspace, baseline, sha, signal }) {
      // Malformed ids are refused before any git process starts.
      if (sha !== undefined) assertSha(sha, 'sha');
      checkBaseline(baseline);
      return withSession(workspace, signal, async (session) => {
        // A publication or any other commit of the workspace: either way, a commit to diff from.
        const publication = baseline.kind === 'blueprint' ? undefined : baseline.sha;
        if (sha !== undefined) {
          // The pinned commit and the published one, looked up together (or known already).
          const found = await readCommits(session, publication ? [sha, publication] : [sha]);
          requireCommit(found.get(sha), sha, 'sha');
          const base = publication ? requireCommit(found.get(publication), publication, 'baseline') : await blueprintBase(session, sha);
          return summarize(session, base.sha, sha);
        }
        let base: CommitFacts;
        if (publication) {
          base = requireCommit((await readCommits(session, [publication])).get(publication), publication, 'baseline');
        } else {
          const headName = (await readHeadRef(session.repo)) ?? 'HEAD';
          const head = (await readCommits(session, [headName])).get(headName);
          if (!head) throw new Error('The workspace has no commits, so it has no blueprint base.');
          base = await blueprintBase(session, head.sha);
        }
        const target = await snapshot(session, join(session.scratch.dir, 'index.preview'));
        return summarize(session, base.sha, target);
      });
    },

    async commit({ workspace, baseline, message, author, signal }) {
      const builder = checkIdentity(author, 'author');
      checkMessage(message);
      checkBaseline(baseline);
      return withSession(workspace, signal, async (session) => {
        // A publication or any other commit of the workspace: either way, a commit to diff from.
        const publication = baseline.kind === 'blueprint' ? undefined : baseline.sha;
        const indexFile = join(session.scratch.dir, 'index.commit');
        const identity = {
          GIT_AUTHOR_NAME: builder.name,
          GIT_AUTHOR_EMAIL: builder.email,
          GIT_COMMITTER_NAME: committer.name,
          GIT_COMMITTER_EMAIL: committer.email,
        };
        for (let attempt = 1; attempt <= 3; attempt += 1) {
          // HEAD read from its ref file when that is plain, so a HEAD this adapter made (the usual
          // case: builders edit files, publishing commits them) needs no git process at all. Read
          // again on every attempt: a concurrent submit (this server or another) may have moved it.
          const headName = (await readHeadRef(session.repo)) ?? 'HEAD';
          const found = await readCommits(session, publication ? [headName, publication] : [headName]);
          const head = found.get(headName);
          if (!head) throw new Error('The workspace has no commits.');
          const base = publication
            ? requireCommit(found.get(publication), publication, 'baseline')
            : await blueprintBase(session, head.sha);
          const before = await fileIdentity(session.repo.indexFile);
          await stage(session, indexFile);
          // `git commit` in the scratch repository, whose HEAD is the workspace's: one process writes
          // the tree and the commit. The workspace's own HEAD moves only below, by compare-and-swap.
          await writeFile(join(session.scratch.dir, 'HEAD'), `${head.sha}\n`);
          await session.local(['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--allow-empty', '--cleanup=verbatim', '--file=-'], {
            workTree: true,
            indexFile,
            stdin: message,
            env: identity,
          });
          const made = await scratchHead(session);
          const tree = (await readLooseCommit(session.repo.objectsDir, made)) ?? (await readCommits(session, [made])).get(made)?.tree;
          if (!tree) throw new Error('git commit wrote no commit.');
          if (tree === base.tree) throw new PublishGateError('nothing_to_publish', 'The workspace is identical to what is published.');
          let created = made;
          if (tree === head.tree) {
            // Clean: HEAD is what gets published (the commit just made is dropped), unless HEAD is a
            // publish commit this adapter made for another request (say, one whose submit was killed
            // before the request was stored): then that commit is made again, same parents and tree,
            // with this request's message, so no commit ships a `Publish-Request:` trailer naming
            // the wrong request.
            const whole = (await readCommits(session, [head.sha], true)).get(head.sha);
            const wanted = publishRequestIdOf(message);
            const remake =
              whole !== undefined &&
              'message' in whole &&
              whole.committer === `${committer.name} <${committer.email}>` &&
              wanted !== undefined &&
              publishRequestIdOf(whole.message) !== undefined &&
              publishRequestIdOf(whole.message) !== wanted;
            created =
              remake && 'parents' in whole
                ? (
                    await session.local(
                      ['commit-tree', '--no-gpg-sign', ...whole.parents.flatMap((parent) => ['-p', parent]), '--end-of-options', tree],
                      { stdin: message, env: identity },
                    )
                  ).trim()
                : head.sha;
          }
          // The preview of the pinned commit that follows diffs against this same base, without a fetch.
          if (!publication) blueprintBases.set(baseKey(session, created), base.sha);
          const outcome = await installIndex(session, indexFile, before, async () => {
            if (created === head.sha) return head.sha;
            // Compare-and-swap: if HEAD moved in the meantime (the builder committed, or another
            // submit of this workspace won the race), never drop that commit: start over from it.
            try {
              await session.inWorkspace(['update-ref', '-m', 'publishgate: publish commit', '--end-of-options', 'HEAD', created, head.sha]);
            } catch (error) {
              const now = (await readCommits(session, ['HEAD'])).get('HEAD');
              // Thrown, so the lock is released without installing this attempt's index.
              if (now && now.sha !== head.sha) throw HEAD_MOVED;
              throw error;
            }
            commits.set(factKey(session, created), { sha: created, tree });
            return created;
          }).catch((error: unknown) => {
            if (error === HEAD_MOVED) return { done: false } as const;
            throw error;
          });
          if (outcome.done) return { sha: outcome.value };
        }
        throw new Error('The workspace index kept changing while the publish commit was made; try again shortly.');
      });
    },

    async restore({ workspace, sha, onto, message, author, signal }) {
      assertSha(sha, 'sha');
      assertSha(onto, 'onto');
      if (sha.length !== onto.length) throw new PublishGateError('validation', 'sha and onto must use the same object format.');
      const builder = checkIdentity(author, 'author');
      checkMessage(message);
      // Objects only: nothing of the working tree is read, so of the carried settings only the
      // object format matters (as for push), and no config is read from the workspace.
      return withSession(
        workspace,
        signal,
        async (session) => {
          // Both commits in one `cat-file --batch` (or none, when both were seen already).
          const found = await readCommits(session, [sha, onto]);
          const target = requireCommit(found.get(sha), sha, 'sha');
          const base = requireCommit(found.get(onto), onto, 'onto');
          if (target.tree === base.tree) {
            throw new PublishGateError('nothing_to_publish', 'That version is identical to what is published now.');
          }
          // commit-tree writes one object and moves no ref: the builder's HEAD, index and working
          // tree stay as they are, and the new commit lives in the workspace's object store.
          const created = (
            await session.local(['commit-tree', '--no-gpg-sign', '-p', base.sha, '--end-of-options', target.tree], {
              stdin: message,
              env: {
                GIT_AUTHOR_NAME: builder.name,
                GIT_AUTHOR_EMAIL: builder.email,
                GIT_COMMITTER_NAME: committer.name,
                GIT_COMMITTER_EMAIL: committer.email,
              },
            })
          ).trim();
          if (!SHA.test(created)) throw new Error('git commit-tree printed no commit id.');
          commits.set(factKey(session, created), { sha: created, tree: target.tree });
          return { sha: created };
        },
        { 'extensions.objectformat': sha.length === 64 ? 'sha256' : 'sha1' },
      );
    },

    async push({ workspace, sha, branch, signal }) {
      assertSha(sha, 'sha');
      if (typeof branch !== 'string' || !isValidBranchName(branch)) {
        throw new PublishGateError('validation', 'The branch name is not one git accepts.', {
          issues: [{ path: 'branch', message: 'invalid branch name' }],
        });
      }
      // A push reads objects and talks to the remote, never the working tree: of the carried
      // settings only the object format matters, and the id's length says which it is.
      return withSession(
        workspace,
        signal,
        async (session) => {
          requireCommit((await readCommits(session, [sha])).get(sha), sha, 'sha');
          let output: string;
          try {
            // Push first: `--force-with-lease=<ref>:` with an empty expectation means "only if the ref
            // does not exist", so the push can create the branch and can never move one, even one
            // created by someone else a moment earlier. No `+`, no `--force`. A branch already at
            // this sha answers "up to date", which is the idempotent case.
            output = await session.network([
              'push',
              '--porcelain',
              '--no-verify',
              `--force-with-lease=refs/heads/${branch}:`,
              '--end-of-options',
              session.remote.url,
              `${sha}:refs/heads/${branch}`,
            ]);
          } catch (error) {
            if (!(error instanceof GitExitError)) throw error;
            // Refused: only now ask the remote what the branch points at.
            const after = await remoteBranchSha(session, branch);
            if (after === sha) return { branch, sha, alreadyPushed: true };
            if (after !== undefined) throw conflict(branch);
            throw error;
          }
          const upToDate = output.split('\n').some((line) => line.startsWith('=\t') && line.includes(`:refs/heads/${branch}\t`));
          return { branch, sha, alreadyPushed: upToDate };
        },
        { 'extensions.objectformat': sha.length === 64 ? 'sha256' : 'sha1' },
      );
    },
  } satisfies GitPort;

  return port;
}

function assertSha(sha: unknown, what: string): asserts sha is string {
  if (typeof sha !== 'string' || !SHA.test(sha)) {
    throw new PublishGateError('validation', `The ${what} must be a full lower-case commit id.`, {
      issues: [{ path: what, message: 'must be a full lower-case commit id' }],
    });
  }
}

function checkMessage(message: unknown): void {
  if (typeof message !== 'string' || message.trim() === '' || message.length > MAX_MESSAGE_CHARS || message.includes('\0')) {
    throw new PublishGateError('validation', `The commit message must be 1–${MAX_MESSAGE_CHARS} characters without NUL.`);
  }
}

function conflict(branch: string): PublishGateError {
  return new PublishGateError('conflict', `The remote branch ${branch} already points at another commit; it is never overwritten.`);
}

async function readCarriedSettings(inWorkspace: (args: string[]) => Promise<string>): Promise<CarriedSettings> {
  try {
    return parseCarriedSettings(await inWorkspace(['config', '--get-regexp', CARRIED_KEYS_PATTERN]));
  } catch (error) {
    // Exit 1: none of the keys is set.
    if (error instanceof GitExitError && error.exitCode === 1) return {};
    throw error;
  }
}

function checkIdentity(identity: CommitAuthor, what: string): CommitAuthor {
  const name = identity?.name;
  const email = identity?.email;
  const ok =
    typeof name === 'string' &&
    typeof email === 'string' &&
    name.trim().length > 0 &&
    name.length <= 256 &&
    /^[^\s@]+@[^\s@]+$/.test(email) &&
    email.length <= 254 &&
    !IDENTITY_UNSAFE.test(name) &&
    !IDENTITY_UNSAFE.test(email);
  if (!ok) {
    throw new PublishGateError('validation', `The ${what} needs a name and an email without control characters or < >.`, {
      issues: [{ path: what, message: 'invalid name or email' }],
    });
  }
  return { name, email };
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

// Every error leaves the adapter with its message redacted and without the original as `cause`:
// a foreign error can carry a command's arguments and environment-derived detail.
function sanitize(error: unknown, redact: Redactor, signal: AbortSignal | undefined): unknown {
  // The caller's own abort (or timeout) surfaces as its reason, whatever git made of it.
  if (signal?.aborted) return signal.reason ?? error;
  if (PublishGateError.is(error)) {
    return new PublishGateError(error.code, redact(error.message), {
      ...(error.issues ? { issues: error.issues } : {}),
      ...(error.port ? { port: error.port } : {}),
      ...(error.operation ? { operation: error.operation } : {}),
      retryable: error.retryable,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new Error(redact(message));
}
