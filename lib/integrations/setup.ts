import { type Rooted, readText, removeFile, writeText } from '../storage/index.js';
import type { AgentTool } from './hook-input.js';
import { integrationFiles } from './tools.js';

export type SetupMode = 'install' | 'check' | 'remove';

export interface SetupPartState {
  name: string;
  /** Whether the part is there after the command (before it, for `check`). */
  installed: boolean;
}

export interface SetupFilePlan {
  /** Relative to the repository root. */
  path: string;
  /** `created`, `updated` or `removed` (the file held only orc's parts); `unchanged` otherwise. */
  action: 'created' | 'updated' | 'removed' | 'unchanged';
  parts: SetupPartState[];
  /** The new text; undefined when the file is to be removed or left as it is. */
  text?: string;
}

export interface SetupReport {
  tool: AgentTool;
  mode: SetupMode;
  root: string;
  /** Every part installed (after install; as found, for check; false after remove). */
  complete: boolean;
  files: SetupFilePlan[];
}

/**
 * Plans `orc setup <tool>` over the current texts of the files (`read` returns undefined for a missing
 * one): pure, so it is tested without a disk. Install adds only missing parts (twice changes nothing);
 * remove takes out only orc's parts, and removes a file that held nothing else.
 */
export function planSetup(
  tool: AgentTool,
  mode: SetupMode,
  read: (path: string) => string | undefined,
): Omit<SetupReport, 'root'> {
  const files: SetupFilePlan[] = [];
  for (const file of integrationFiles(tool)) {
    const before = read(file.path);
    let text = before;
    for (const part of file.parts) {
      if (mode === 'install' && !part.installed(text)) text = part.install(text);
      if (mode === 'remove') text = part.remove(text);
    }
    const parts = file.parts.map((p) => ({ name: p.name, installed: p.installed(text) }));
    let action: SetupFilePlan['action'] = 'unchanged';
    if (
      mode === 'remove' &&
      before !== undefined &&
      text !== undefined &&
      text !== before &&
      file.orcOnly(text)
    ) {
      action = 'removed';
      text = undefined;
    } else if (text !== before) action = before === undefined ? 'created' : 'updated';
    files.push({
      path: file.path,
      action,
      parts,
      ...(action === 'created' || action === 'updated' ? { text } : {}),
    });
  }
  const complete = files.every((f) => f.parts.every((p) => p.installed));
  return { tool, mode, complete, files };
}

/**
 * `orc setup <tool> [--check] [--remove]` in the repository at `root`: reads and writes only the tool's
 * settings files, through the storage layer (confined to the repository, written atomically). Other
 * tools' files and the user's own entries are left byte for byte. Returns what it found and did.
 */
export function setupIntegration(root: string, tool: AgentTool, mode: SetupMode): SetupReport {
  const repo: Rooted = { root };
  const plan = planSetup(tool, mode, (path) => readText(repo, path));
  if (mode !== 'check') {
    for (const file of plan.files) {
      if (file.action === 'removed') removeFile(repo, file.path);
      else if (file.text !== undefined) writeText(repo, file.path, file.text);
    }
  }
  return { ...plan, root, files: plan.files.map(({ text: _text, ...rest }) => rest) };
}
