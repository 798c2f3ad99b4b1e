import { OrcError } from '../shared/index.js';
import { type Workspace, pendingJournals, rollForward, workspaceRelative } from '../storage/index.js';

/** A state change without its event: a commit that a killed process left half-done. */
export interface CommitProblem {
  code: 'INCOMPLETE_COMMIT';
  file: string;
  message: string;
  action?: string;
}

/**
 * Reports every commit journal left in `.orc/journal/` (see storage/journal.ts): its files may be
 * written without their events, or the reverse. The repair rolls it forward, as the next locked
 * operation would; one that cannot be completed (a path that became a link, say) is moved aside with
 * `moveAside` so that the workspace can be used again, and the journal kept for a person to read.
 */
export function checkCommits(
  ws: Workspace,
  report: (problem: CommitProblem, repair?: () => string | undefined) => void,
  moveAside: (path: string) => string,
): void {
  let found: ReturnType<typeof pendingJournals>;
  try {
    found = pendingJournals(ws);
  } catch (error) {
    if (!(error instanceof OrcError) || error.code !== 'CORRUPT') throw error;
    // A journal of another orc version: not to be applied by this one, nor dropped.
    const file = String(error.details?.path ?? '.orc/journal');
    report({
      code: 'INCOMPLETE_COMMIT',
      file,
      message: error.message,
      action: `finish it with the orc that wrote it, or move ${file} away`,
    });
    return;
  }
  for (const pending of found) {
    const file = workspaceRelative(ws, pending.path);
    const { journal } = pending;
    if (!journal) {
      report(
        {
          code: 'INCOMPLETE_COMMIT',
          file,
          message: `${file} is the journal of a commit cut short while it was being written: nothing of that commit was applied`,
        },
        () => {
          rollForward(ws, pending);
          return 'discarded it';
        },
      );
      continue;
    }
    report(
      {
        code: 'INCOMPLETE_COMMIT',
        file,
        message: `a commit by ${journal.actor} at ${journal.ts} was interrupted (its process died): some of its ${journal.writes.length} file(s) and ${journal.events.length} event(s) may be missing`,
        action: 'orc doctor --fix completes it (so does the next orc command that changes the board)',
      },
      () => {
        try {
          const done = rollForward(ws, pending);
          return `rolled it forward: rewrote ${done.files} file(s), appended ${done.appended} missing event(s)`;
        } catch (error) {
          if (!(error instanceof OrcError)) throw error;
          return `it cannot be completed (${error.message}): moved the journal to ${moveAside(pending.path)}`;
        }
      },
    );
  }
}
