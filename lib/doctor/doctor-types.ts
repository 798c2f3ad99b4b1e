import type { Workspace } from '../storage/index.js';

/** One thing `orc doctor` found. `fixed` is set when `--fix` repaired it. */
export interface DoctorProblem {
  code:
    | 'CONFLICT_MARKERS'
    | 'UNMERGED'
    | 'UNREADABLE'
    | 'INVALID'
    | 'NAME_MISMATCH'
    | 'WRONG_TYPE'
    | 'ORPHAN_FILE'
    | 'DUPLICATE_EVENTS'
    | 'CORRUPT_EVENT_LINES'
    | 'UNKNOWN_WORKSTREAM'
    | 'DANGLING_DEP'
    | 'DEPENDENCY_CYCLE'
    | 'UNKNOWN_AGENT'
    | 'EXPIRED_CLAIM'
    | 'EXPIRED_LOCK'
    | 'INCOMPLETE_COMMIT';
  file: string;
  message: string;
  fixed: boolean;
  /** What --fix did, or why it cannot. */
  action?: string;
}

export interface DoctorReport {
  problems: DoctorProblem[];
  remaining: number;
  /** Where unreadable files were moved, relative to the workspace. */
  quarantine: string[];
}

/** Records a problem; with --fix, runs `repair`, which returns what it did (or undefined: not fixed). */
export type Report = (problem: Omit<DoctorProblem, 'fixed'>, repair?: () => string | undefined) => void;

/** What every check of one doctor run shares. */
export interface DoctorContext {
  ws: Workspace;
  fix: boolean;
  now: Date;
  report: Report;
  /** Moves a file or folder of the workspace to this run's quarantine folder; returns where to. */
  moveAside: (path: string) => string;
  /** This run's quarantine folder name (its time). */
  stamp: string;
  /** Notes a file written to quarantine (workspace-relative). */
  quarantined: (path: string) => void;
}
