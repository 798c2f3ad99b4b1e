/** The agent tools orc integrates with. */
export const AGENT_TOOLS = ['claude', 'codex', 'cursor', 'gemini'] as const;
export type AgentTool = (typeof AGENT_TOOLS)[number];

/** One pre-tool hook call, whatever tool sent it: which tool ran, the files it would write, the session. */
export interface HookCall {
  tool: AgentTool;
  /** The agent tool's name for the tool about to run (`Edit`, `apply_patch`, `Write`…). */
  toolName: string;
  /** True when the tool writes files; only those calls are checked against locks. */
  isEdit: boolean;
  /** The files it would write, as given (absolute or relative to `cwd`). */
  paths: string[];
  sessionId?: string;
  cwd?: string;
}

/*
 * The hook inputs, as each tool documents them (read 2026-12):
 * - Claude Code (code.claude.com/docs/en/hooks, "PreToolUse input"): {session_id, transcript_path, cwd,
 *   hook_event_name: "PreToolUse", tool_name, tool_input, tool_use_id}; Write/Edit/MultiEdit carry
 *   `tool_input.file_path`, NotebookEdit `tool_input.notebook_path`.
 * - Codex (developers.openai.com/codex/hooks; openai/codex PR "apply_patch emits PreToolUse"): the same
 *   envelope; file edits are `tool_name: "apply_patch"` (matched by the aliases Edit and Write too) with
 *   the raw patch in `tool_input.command`, whose `*** Add|Update|Delete File: <path>` and
 *   `*** Move to: <path>` lines name the files.
 * - Cursor (cursor.com/docs/hooks, preToolUse): {conversation_id, generation_id, hook_event_name:
 *   "preToolUse", workspace_roots, tool_name, tool_input}; Write/Edit/StrReplace/Delete carry
 *   `tool_input.file_path` (older builds: `path`).
 * - Gemini CLI (geminicli.com/docs/hooks/reference, BeforeTool): {session_id, transcript_path, cwd,
 *   hook_event_name: "BeforeTool", timestamp, tool_name, tool_input}; `write_file` and `replace` carry
 *   `tool_input.file_path`.
 */
const EDIT_TOOLS: Record<AgentTool, ReadonlySet<string>> = {
  claude: new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']),
  codex: new Set(['apply_patch', 'Edit', 'Write']),
  cursor: new Set(['Write', 'Edit', 'StrReplace', 'MultiEdit', 'Delete', 'EditNotebook']),
  gemini: new Set(['write_file', 'replace']),
};

const PATCH_FILE = /^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/gm;

/** The files a Codex patch touches, from its `*** … File:` and `*** Move to:` lines. */
export function patchPaths(patch: string): string[] {
  return [...patch.matchAll(PATCH_FILE)].map((m) => m[1]!.trim()).filter(Boolean);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Which tool sent `raw`, when `--tool` was not given: by the fields and event names each one uses. */
export function detectTool(raw: Json): AgentTool {
  if ('conversation_id' in raw || 'workspace_roots' in raw) return 'cursor';
  if (raw.hook_event_name === 'BeforeTool') return 'gemini';
  if (raw.tool_name === 'apply_patch' || 'turn_id' in raw) return 'codex';
  return 'claude';
}

/**
 * Reads one hook input (parsed JSON) into a HookCall; undefined when it is not an object with a tool
 * name, which the hook treats as malformed.
 */
export function parseHookCall(raw: unknown, tool?: AgentTool): HookCall | undefined {
  if (!isObject(raw)) return undefined;
  const from = tool ?? detectTool(raw);
  const toolName = text(raw.tool_name);
  if (toolName === undefined) return undefined;
  const input = isObject(raw.tool_input) ? raw.tool_input : {};
  const isEdit = EDIT_TOOLS[from].has(toolName);
  const paths: string[] = [];
  if (isEdit) {
    const patch = text(input.command) ?? text(input.patch) ?? text(input.input);
    if (patch?.includes('*** ')) paths.push(...patchPaths(patch));
    for (const key of ['file_path', 'notebook_path', 'path']) {
      const path = text(input[key]);
      if (path) paths.push(path);
    }
  }
  const roots = Array.isArray(raw.workspace_roots) ? raw.workspace_roots : [];
  return {
    tool: from,
    toolName,
    isEdit,
    paths: [...new Set(paths)],
    sessionId: text(raw.session_id) ?? text(raw.conversation_id),
    cwd: text(raw.cwd) ?? text(roots[0]),
  };
}
