import { OrcError } from '../shared/index.js';
import type { AgentTool } from './hook-input.js';
import {
  type HookSpec,
  type JsonObject,
  type McpSpec,
  addFlatHook,
  addGroupedHook,
  addMcpServer,
  editSettings,
  hasFlatHook,
  hasGroupedHook,
  hasMcpServer,
  parseSettings,
  removeFlatHook,
  removeGroupedHook,
  removeMcpServer,
} from './json-settings.js';
import { MARKDOWN_MARKERS, TOML_MARKERS, blockText, hasBlock, putBlock, takeBlock } from './text-block.js';

/** One piece of orc's integration inside one file: whether it is there, and the text with and without it. */
export interface SetupPart {
  name: string;
  installed(text: string | undefined): boolean;
  install(text: string | undefined): string;
  remove(text: string | undefined): string | undefined;
}

/** A file of the repository that holds some of orc's parts; `orcOnly` says the text left holds nothing else. */
export interface SetupFile {
  path: string;
  parts: SetupPart[];
  orcOnly(text: string): boolean;
}

/** The orc section of AGENTS.md / CLAUDE.md: the protocol, with the commands that work everywhere. */
export const AGENTS_SECTION = `## Coordination: orc

This repository coordinates its agents with orc: tasks, claims, locks and notes are plain files in git.

- Who you are: \`orc whoami\`. Set \`ORC_AGENT=<your-id>\` once per session (or pass \`--agent <id>\`).
- At the start of a session and after compaction: \`orc prime\` (your claims, ready tasks, locks).
- Take work: \`orc t next <agent> --brief\`; one claim at a time.
- Keep a long claim alive: \`orc a heartbeat <agent>\` (at least once per 30 minutes).
- Finish: \`orc t complete <id> "what you did" --agent <agent>\`, or \`orc t fail <id> "why" --agent <agent>\`.
- Before editing files others may touch: \`orc lock acquire <path-or-glob> <agent> --ttl 30m\`, then
  \`orc lock release <path-or-glob> <agent>\`. An edit to a file under another agent's lock is refused.
- The same is available as MCP tools from the \`orc\` server (\`orc mcp\`).
`;

const ORC_MCP: McpSpec = { name: 'orc', command: 'orc', args: ['mcp'] };

/** An empty JSON object (with Cursor's `version` alone, which orc added). */
const jsonOrcOnly = (file: string) => (text: string) => {
  const { version, ...rest } = parseSettings(text, file);
  return Object.keys(rest).length === 0 && (version === undefined || version === 1);
};
const textOrcOnly = (text: string) => text.trim() === '';

function jsonPart(
  file: string,
  name: string,
  has: (o: JsonObject) => boolean,
  add: (o: JsonObject) => void,
  take: (o: JsonObject) => void,
): SetupPart {
  return {
    name,
    installed: (text) => text !== undefined && has(parseSettings(text, file)),
    install: (text) => editSettings(text, file, add),
    remove: (text) => (text === undefined ? undefined : editSettings(text, file, take)),
  };
}

function groupedHooks(file: string, specs: HookSpec[]): SetupPart[] {
  return specs.map((spec) =>
    jsonPart(
      file,
      `${spec.event} hook: ${spec.command}`,
      (o) => hasGroupedHook(o, spec),
      (o) => addGroupedHook(o, spec),
      (o) => removeGroupedHook(o, spec),
    ),
  );
}

function mcpFile(path: string): SetupFile {
  const part = jsonPart(
    path,
    'MCP server "orc" (orc mcp)',
    (o) => hasMcpServer(o, ORC_MCP),
    (o) => addMcpServer(o, ORC_MCP, path),
    (o) => removeMcpServer(o, ORC_MCP),
  );
  return { path, parts: [part], orcOnly: jsonOrcOnly(path) };
}

function sectionFile(path: string): SetupFile {
  const block = blockText(MARKDOWN_MARKERS, AGENTS_SECTION);
  return {
    path,
    parts: [
      {
        name: 'orc section (between <!-- orc:begin --> and <!-- orc:end -->)',
        installed: (text) => hasBlock(text, block, MARKDOWN_MARKERS),
        install: (text) => putBlock(text, block, MARKDOWN_MARKERS),
        remove: (text) => takeBlock(text, MARKDOWN_MARKERS),
      },
    ],
    orcOnly: textOrcOnly,
  };
}

const PRIME = 'orc prime';
const preEdit = (tool: AgentTool) => `orc hook pre-edit --tool ${tool}`;
const sessionStart = (tool: AgentTool) => `orc hook session-start --tool ${tool}`;
/** Cursor hooks of older orc versions, which printed markdown where Cursor reads JSON. */
const CURSOR_REPLACED: HookSpec[] = [
  { event: 'sessionStart', command: PRIME },
  { event: 'preCompact', command: PRIME },
];

/*
 * Project scope everywhere: the files live in the repository and are shared with the team by git.
 * - Claude Code: hooks in .claude/settings.json, MCP servers in .mcp.json, instructions in CLAUDE.md
 *   (code.claude.com/docs/en/settings, /hooks, /mcp "project scope").
 * - Codex: hooks in .codex/hooks.json, MCP servers as [mcp_servers.<name>] in .codex/config.toml,
 *   instructions in AGENTS.md; Codex reads a project's .codex/ only once the project is trusted
 *   (developers.openai.com/codex/hooks, /codex/mcp, /codex/config-reference).
 * - Cursor: hooks in .cursor/hooks.json, MCP servers in .cursor/mcp.json, instructions in AGENTS.md
 *   (cursor.com/docs/hooks, /docs/context/mcp, /docs/context/rules "AGENTS.md"). Cursor's preToolUse
 *   entry has no matcher: the hook sees every tool call and lets the ones that write no file through.
 *   Its sessionStart hook reads JSON from stdout (`additional_context`, `env`), so the primer comes
 *   from `orc hook session-start --tool cursor`; its preCompact hook can only show the user a message,
 *   so orc installs none (older orc installed `orc prime` on both: setup replaces them).
 * - Gemini CLI: hooks and MCP servers in .gemini/settings.json, instructions in GEMINI.md
 *   (geminicli.com/docs/hooks/reference, /docs/tools/mcp-server). Every hook must print JSON only:
 *   the primer reaches the session as SessionStart's `hookSpecificOutput.additionalContext`, from
 *   `orc hook session-start --tool gemini`. PreCompress is advisory only, so nothing is installed there.
 */
const TOOL_FILES: Record<AgentTool, () => SetupFile[]> = {
  claude: () => [
    {
      path: '.claude/settings.json',
      parts: groupedHooks('.claude/settings.json', [
        { event: 'SessionStart', command: 'orc hook session-start --tool claude' },
        { event: 'SessionStart', command: PRIME },
        { event: 'PreCompact', command: PRIME },
        { event: 'PreToolUse', matcher: 'Edit|Write|MultiEdit|NotebookEdit', command: preEdit('claude') },
      ]),
      orcOnly: jsonOrcOnly('.claude/settings.json'),
    },
    mcpFile('.mcp.json'),
    sectionFile('CLAUDE.md'),
  ],
  codex: () => [
    {
      path: '.codex/hooks.json',
      parts: groupedHooks('.codex/hooks.json', [
        { event: 'SessionStart', command: PRIME },
        { event: 'PreCompact', command: PRIME },
        { event: 'PreToolUse', matcher: 'apply_patch', command: preEdit('codex') },
      ]),
      orcOnly: jsonOrcOnly('.codex/hooks.json'),
    },
    {
      path: '.codex/config.toml',
      parts: [codexMcpPart()],
      orcOnly: textOrcOnly,
    },
    sectionFile('AGENTS.md'),
  ],
  cursor: () => [
    {
      path: '.cursor/hooks.json',
      parts: [
        { event: 'sessionStart', command: sessionStart('cursor') },
        { event: 'preToolUse', command: preEdit('cursor') },
      ].map((spec) =>
        jsonPart(
          '.cursor/hooks.json',
          `${spec.event} hook: ${spec.command}`,
          (o) => hasFlatHook(o, spec),
          (o) => {
            for (const old of CURSOR_REPLACED) removeFlatHook(o, old);
            addFlatHook(o, spec);
          },
          (o) => {
            removeFlatHook(o, spec);
            for (const old of CURSOR_REPLACED) removeFlatHook(o, old);
          },
        ),
      ),
      orcOnly: jsonOrcOnly('.cursor/hooks.json'),
    },
    mcpFile('.cursor/mcp.json'),
    sectionFile('AGENTS.md'),
  ],
  gemini: () => [
    {
      path: '.gemini/settings.json',
      parts: [
        ...groupedHooks('.gemini/settings.json', [
          { event: 'SessionStart', command: sessionStart('gemini') },
          { event: 'BeforeTool', matcher: 'write_file|replace', command: preEdit('gemini') },
        ]),
        ...mcpFile('.gemini/settings.json').parts,
      ],
      orcOnly: jsonOrcOnly('.gemini/settings.json'),
    },
    sectionFile('GEMINI.md'),
  ],
};

/** Codex's MCP server, a marked TOML block: `[mcp_servers.orc]` with `command` and `args`. */
function codexMcpPart(): SetupPart {
  const block = blockText(
    TOML_MARKERS,
    '# Managed by `orc setup codex`; `orc setup codex --remove` takes it out.\n[mcp_servers.orc]\ncommand = "orc"\nargs = ["mcp"]',
  );
  return {
    name: 'MCP server [mcp_servers.orc] (orc mcp)',
    installed: (text) => hasBlock(text, block, TOML_MARKERS),
    install: (text) => {
      if (/^\s*\[mcp_servers\.orc\]/m.test(takeBlock(text, TOML_MARKERS) ?? '')) {
        throw new OrcError(
          'CONFLICT',
          '.codex/config.toml already has an [mcp_servers.orc] table of its own: remove it, then run setup again',
          { details: { path: '.codex/config.toml' } },
        );
      }
      return putBlock(text, block, TOML_MARKERS);
    },
    remove: (text) => takeBlock(text, TOML_MARKERS),
  };
}

/** The files and parts of one tool's integration. */
export function integrationFiles(tool: AgentTool): SetupFile[] {
  return TOOL_FILES[tool]();
}
