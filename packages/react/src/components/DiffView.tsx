'use client';
import type { DiffFile, DiffSummary } from '@publishgate/core/client';
import { useId, useMemo, useState } from 'react';
import { type FilePatch, parsePatch } from '../diff/parsePatch.js';
import type { PublishGateLabels } from '../labels.js';
import { Heading } from './Heading.js';

/** Lines shown when a file is expanded, before "show all". Keeps huge files from freezing the page. */
const INITIAL_LINES = 400;
/** A file whose patch has at most this many lines starts expanded: reading the changes is the point of a review. */
const EXPAND_FILE_LINES = 300;
/** Files stop starting expanded once this many lines are open, so a diff of many small files stays light. */
const EXPAND_TOTAL_LINES = 1_000;

/** Props of {@link DiffView}. */
export type DiffViewProps = {
  diff: DiffSummary;
  labels: PublishGateLabels;
  headingLevel: number;
};

/**
 * A diff: totals, the changed files with their +/- counts and patch line counts, and each file's
 * hunks behind a disclosure button (`aria-expanded`). Small files start expanded (up to
 * 300 lines each, until 1,000 lines are open), large ones collapsed. Every path and line is a text node.
 */
export function DiffView({ diff, labels, headingLevel }: DiffViewProps) {
  const patches = useMemo(() => indexPatches(parsePatch(diff.patch)), [diff.patch]);
  const openByDefault = useMemo(() => expandedByDefault(diff.files, patches), [diff.files, patches]);
  const baseId = useId();
  // What the reader toggled, by path: kept when a live refresh brings a new diff object.
  const [toggled, setToggled] = useState<ReadonlyMap<string, boolean>>(() => new Map());
  const isExpanded = (path: string) => toggled.get(path) ?? openByDefault.has(path);
  const toggle = (path: string) => setToggled((current) => new Map(current).set(path, !isExpanded(path)));
  const summary = labels.diff.summary(diff.files.length, diff.additions, diff.deletions);

  return (
    <section className="pg-diff" data-pg-diff="" data-pg-truncated={diff.truncated ? '' : undefined}>
      <Heading level={headingLevel} className="pg-section-title">
        {labels.diff.heading}
      </Heading>
      <p className="pg-diff-summary">{summary}</p>
      {diff.truncated ? (
        <p className="pg-notice" data-pg-tone="warning" data-pg-diff-truncated="">
          {labels.diff.truncated}
        </p>
      ) : null}
      {diff.files.length === 0 ? (
        <p className="pg-empty">{labels.diff.empty}</p>
      ) : (
        <ul className="pg-diff-files">
          {diff.files.map((file, index) => {
            const regionId = `${baseId}-file-${index}`;
            const isOpen = isExpanded(file.path);
            return (
              <li key={file.path} className="pg-diff-file" data-pg-file-status={file.status} data-state={isOpen ? 'open' : 'closed'}>
                <button
                  type="button"
                  className="pg-diff-toggle"
                  aria-expanded={isOpen}
                  aria-controls={regionId}
                  onClick={() => toggle(file.path)}
                >
                  <span className="pg-diff-path">{file.path}</span>
                </button>{' '}
                <FileMeta file={file} lineCount={patches.get(file.path)?.lineCount} labels={labels} />
                <div id={regionId} className="pg-diff-body" hidden={!isOpen}>
                  {isOpen ? <FileHunks file={file} patch={patches.get(file.path)} truncated={diff.truncated} labels={labels} /> : null}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function FileMeta({ file, lineCount, labels }: { file: DiffFile; lineCount: number | undefined; labels: PublishGateLabels }) {
  return (
    <span className="pg-diff-meta">
      <span className="pg-badge" data-pg-file-status={file.status}>
        {labels.diff.fileStatus[file.status]}
      </span>
      {file.oldPath === undefined ? null : <span className="pg-diff-renamed"> {labels.diff.renamedFrom(file.oldPath)}</span>}{' '}
      {file.binary ? (
        <span className="pg-diff-binary" data-pg-binary="">
          {labels.diff.binary}
        </span>
      ) : (
        <Counts additions={file.additions} deletions={file.deletions} labels={labels} />
      )}
      {lineCount ? (
        <span className="pg-diff-lines" data-pg-lines={lineCount}>
          {' '}
          {labels.diff.patchLines(lineCount)}
        </span>
      ) : null}
    </span>
  );
}

/** `+3 −1`, read out as "3 additions, 1 deletion" via the summary label. */
export function Counts({ additions, deletions, labels }: { additions: number; deletions: number; labels: PublishGateLabels }) {
  return (
    <span className="pg-counts">
      <span aria-hidden="true">
        <span data-pg-count="additions">+{additions}</span> <span data-pg-count="deletions">−{deletions}</span>
      </span>
      <span className="pg-sr-only">{labels.diff.countsSpoken(additions, deletions)}</span>
    </span>
  );
}

function FileHunks({
  file,
  patch,
  truncated,
  labels,
}: {
  file: DiffFile;
  patch: FilePatch | undefined;
  truncated: boolean;
  labels: PublishGateLabels;
}) {
  const [showAll, setShowAll] = useState(false);
  if (file.binary || patch?.binary) return <p className="pg-empty">{labels.diff.binary}</p>;
  if (!patch) return <p className="pg-empty">{truncated ? labels.diff.notInPatch : labels.diff.noLines}</p>;
  if (patch.lineCount === 0) return <p className="pg-empty">{labels.diff.noLines}</p>;
  let budget = showAll ? Number.POSITIVE_INFINITY : INITIAL_LINES;
  return (
    <>
      {patch.hunks.map((hunk, hunkIndex) => {
        if (budget <= 0) return null;
        const lines = hunk.lines.slice(0, budget);
        budget -= lines.length;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: hunks of one patch never reorder
          <pre key={hunkIndex} className="pg-diff-hunk" data-pg-hunk="">
            <code>
              <span className="pg-diff-line" data-pg-line="header">
                {`${hunk.header}\n`}
              </span>
              {lines.map((line, lineIndex) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: lines of one hunk never reorder
                <span key={lineIndex} className="pg-diff-line" data-pg-line={line.kind}>
                  {`${line.kind === 'add' ? '+' : line.kind === 'remove' ? '-' : line.kind === 'context' ? ' ' : ''}${line.text}\n`}
                </span>
              ))}
            </code>
          </pre>
        );
      })}
      {!showAll && patch.lineCount > INITIAL_LINES ? (
        <button type="button" className="pg-button" data-pg-variant="quiet" onClick={() => setShowAll(true)}>
          {labels.diff.showAllLines(patch.lineCount)}
        </button>
      ) : null}
    </>
  );
}

function expandedByDefault(files: readonly DiffFile[], patches: ReadonlyMap<string, FilePatch>): ReadonlySet<string> {
  const open = new Set<string>();
  let budget = EXPAND_TOTAL_LINES;
  for (const file of files) {
    const lines = patches.get(file.path)?.lineCount ?? 0;
    if (file.binary || lines === 0 || lines > EXPAND_FILE_LINES || lines > budget) continue;
    open.add(file.path);
    budget -= lines;
  }
  return open;
}

function indexPatches(patches: FilePatch[]): Map<string, FilePatch> {
  const byPath = new Map<string, FilePatch>();
  for (const patch of patches) if (!byPath.has(patch.path)) byPath.set(patch.path, patch);
  return byPath;
}
