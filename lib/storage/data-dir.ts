import { createRequire } from 'node:module';
import { OrcError, envSetting } from '../shared/index.js';
import { type Rooted, readText } from './files.js';

/*
 * The orchestration seed let `data_dir` (in orchestrator.yaml, or ORCHESTRATOR_DATA_DIR, now also ORC_DATA_DIR) move its run
 * files and vector index. orc does not: a workspace keeps runs in state/runs/ (committed and merged by
 * orc's git driver, like every other record) and its knowledge index in .orc/knowledge/ (derived,
 * machine-local). Moving them would take runs out of what git merges, so the setting is refused by every
 * command, never silently ignored; data elsewhere is another workspace (`orc init <folder>`, `--dir`).
 */

const INSTEAD =
  'orc keeps runs in state/runs/ and the knowledge index in .orc/knowledge/ of the workspace; for data elsewhere, `orc init <folder>` and pass --dir (or ORC_DIR)';

/** The one-line problem of a `data_dir` in orchestrator.yaml's settings, if there is one. */
export function dataDirProblem(doc: Record<string, unknown>): string | undefined {
  const orchestrator = doc.orchestrator;
  const at =
    doc.data_dir !== undefined && doc.data_dir !== null
      ? 'data_dir'
      : typeof orchestrator === 'object' &&
          orchestrator !== null &&
          (orchestrator as Record<string, unknown>).data_dir !== undefined &&
          (orchestrator as Record<string, unknown>).data_dir !== null
        ? 'orchestrator.data_dir'
        : undefined;
  return at && `${at}: not supported, remove it: ${INSTEAD}`;
}

/**
 * Refuses a workspace opened with ORC_DATA_DIR (or ORCHESTRATOR_DATA_DIR) set or a `data_dir` in its orchestrator.yaml
 * (INVALID_INPUT, one line). Cheap when neither is there: the YAML is parsed only when the file's text
 * names `data_dir`; a file that does not parse is left to the commands that read it to report.
 */
export function refuseDataDir(
  ws: Rooted & { configFile: string },
  env: NodeJS.ProcessEnv = process.env,
): void {
  const variable = envSetting(env, 'DATA_DIR');
  if (variable) {
    throw new OrcError('INVALID_INPUT', `${variable.name} is set: not supported, unset it: ${INSTEAD}`, {
      details: { field: variable.name },
    });
  }
  const text = readText(ws, ws.configFile);
  if (text === undefined || !/\bdata_dir\s*:/.test(text)) return;
  // Loaded only here, when the text names data_dir: the yaml package costs ~30 ms.
  const YAML = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) return;
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const problem = dataDirProblem(value as Record<string, unknown>);
  if (problem) {
    throw new OrcError('INVALID_INPUT', `orchestrator.yaml: ${problem}`, {
      details: { field: problem.split(':')[0] },
    });
  }
}
