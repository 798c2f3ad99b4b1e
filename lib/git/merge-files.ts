import { readFileSync, writeFileSync } from 'node:fs';
import { mergeEventLines, mergeLiveEventLog, mergeRecord } from '../records/index.js';
import { OrcError } from '../shared/index.js';
import { formatJson, parseJson, recordKindOfPath, validateRecordFile } from '../storage/index.js';

/** The three versions of one file in a merge; `base` is missing or empty when both sides added it. */
export interface FileVersions {
  base?: string;
  ours: string;
  theirs: string;
}

type Side = keyof FileVersions;
type Doc = Record<string, unknown>;

const isObject = (value: unknown): value is Doc =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The merge of three versions of one of orc's files, as the text to write, by the rule its record
 * kind has in the table (`path` relative to the workspace or to the repository, forward slashes).
 * Each side must be a valid record of its kind, named after its key, and so must the merge: else a
 * CORRUPT error names the file, the side and the problem, and nothing is to be written, so that git
 * (or a person) keeps the conflict rather than a record that loses data.
 */
export function mergeFileVersions(path: string, versions: FileVersions): string {
  // A closed segment only ever gains events (by merges): the union. The live log also loses those a
  // side closed into a segment: see mergeLiveEventLog.
  if (/(^|\/)events\/[^/]+\.jsonl$/.test(path)) return mergeEventLines(versions.ours, versions.theirs).text;
  if (path.endsWith('.jsonl')) return mergeLiveEventLog(versions.base, versions.ours, versions.theirs).text;
  const kind = recordKindOfPath(path);
  const read = (side: Side): unknown => {
    const text = versions[side];
    if (text === undefined || text.trim() === '') {
      if (side === 'base') return undefined;
      throw new OrcError(
        'CORRUPT',
        `${path} (${side}) is empty: orc merges two versions of a record, so resolve this one by hand`,
        { details: { file: path, side } },
      );
    }
    const label = `${path} (${side})`;
    const value = parseJson<unknown>(text, label);
    if (kind) return validateRecordFile(kind, value, path, label);
    if (!isObject(value)) {
      throw new OrcError('CORRUPT', `${label} is not a JSON object`, { details: { file: path, side } });
    }
    return value;
  };
  const base = read('base');
  const ours = read('ours');
  const theirs = read('theirs');
  if (!kind) {
    // A file of state/ that is not a record (state/orc.json): field by field, the later edit winning.
    const clock = (d: Doc) => String(d.updatedAt ?? '');
    return formatJson(mergeRecord(base as Doc | undefined, ours as Doc, theirs as Doc, clock));
  }
  const merged = kind.merge(base, ours, theirs);
  validateRecordFile(kind, merged, path, `the merge of ${path}`);
  return formatJson(merged);
}

/**
 * git's merge driver (`orc merge-driver %O %A %B %P`): writes the merge of the files holding the
 * base, ours and theirs into the `ours` file, and only a valid one. These are git's temporary files,
 * outside the workspace, so they are read directly rather than through the storage layer.
 */
export function mergeRecordFiles(files: { base: string; ours: string; theirs: string }, path: string): void {
  const read = (file: string) => readFileSync(file, 'utf8');
  const merged = mergeFileVersions(path, {
    base: read(files.base),
    ours: read(files.ours),
    theirs: read(files.theirs),
  });
  writeFileSync(files.ours, merged);
}
