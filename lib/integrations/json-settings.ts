import { OrcError } from '../shared/index.js';

/*
 * Pure planners over JSON settings files (text in, text out). A user's settings are parsed, orc's
 * entries inserted or taken out, and the result written back in the file's own layout (indent, line
 * ends, final newline); key order is kept as JavaScript keeps it. A file laid out as JSON.stringify
 * would lay it out (any indent) comes back byte for byte after setup and remove; one laid out by hand
 * (arrays on one line) is re-laid-out once by setup.
 */

export type JsonObject = Record<string, unknown>;

export interface JsonLayout {
  indent: string;
  newline: '\n' | '\r\n';
  finalNewline: boolean;
}

const DEFAULT_LAYOUT: JsonLayout = { indent: '  ', newline: '\n', finalNewline: true };

/** The layout of a JSON file's text (2 spaces and a final newline for a new file). */
export function layoutOf(text: string | undefined): JsonLayout {
  if (text === undefined || text.trim() === '') return DEFAULT_LAYOUT;
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? DEFAULT_LAYOUT.indent;
  return { indent, newline: text.includes('\r\n') ? '\r\n' : '\n', finalNewline: /\n$/.test(text) };
}

export const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A settings file's object; `{}` for a missing or empty file; CORRUPT naming the file otherwise. */
export function parseSettings(text: string | undefined, file: string): JsonObject {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new OrcError(
      'CORRUPT',
      `${file} is not valid JSON (${error.message}): fix it, then run setup again`,
      {
        details: { path: file },
      },
    );
  }
  if (!isJsonObject(value)) {
    throw new OrcError('CORRUPT', `${file} does not hold a JSON object: fix it, then run setup again`, {
      details: { path: file },
    });
  }
  return value;
}

export function formatSettings(value: JsonObject, layout: JsonLayout): string {
  const text = JSON.stringify(value, null, layout.indent);
  const lines = layout.newline === '\n' ? text : text.replace(/\n/g, '\r\n');
  return layout.finalNewline ? `${lines}${layout.newline}` : lines;
}

/** Applies `change` to the parsed settings and writes them back in the file's layout. */
export function editSettings(
  text: string | undefined,
  file: string,
  change: (o: JsonObject) => void,
): string {
  const value = parseSettings(text, file);
  change(value);
  return formatSettings(value, layoutOf(text));
}

/** A hook orc installs: the event, an optional tool matcher, the command. */
export interface HookSpec {
  event: string;
  matcher?: string;
  command: string;
}

const objectAt = (o: JsonObject, key: string): JsonObject => {
  if (!isJsonObject(o[key])) o[key] = {};
  return o[key] as JsonObject;
};
const arrayAt = (o: JsonObject, key: string): unknown[] => {
  if (!Array.isArray(o[key])) o[key] = [];
  return o[key] as unknown[];
};

/*
 * Claude Code's and Codex's hook layout (code.claude.com/docs/en/hooks "Configuration";
 * developers.openai.com/codex/hooks): {"hooks": {"<Event>": [{"matcher": "Edit|Write", "hooks":
 * [{"type": "command", "command": "…"}]}]}}. orc adds a matcher group of its own per event, so the
 * user's groups are never touched.
 */
const groupHasCommand = (group: unknown, command: string) =>
  isJsonObject(group) &&
  Array.isArray(group.hooks) &&
  group.hooks.some((h) => isJsonObject(h) && h.command === command);

export function hasGroupedHook(settings: JsonObject, spec: HookSpec): boolean {
  const list = isJsonObject(settings.hooks) ? settings.hooks[spec.event] : undefined;
  return Array.isArray(list) && list.some((g) => groupHasCommand(g, spec.command));
}

export function addGroupedHook(settings: JsonObject, spec: HookSpec): void {
  if (hasGroupedHook(settings, spec)) return;
  const group: JsonObject = spec.matcher === undefined ? {} : { matcher: spec.matcher };
  group.hooks = [{ type: 'command', command: spec.command }];
  arrayAt(objectAt(settings, 'hooks'), spec.event).push(group);
}

/** Takes out orc's hook entries, and the groups, events and `hooks` object left empty by it. */
export function removeGroupedHook(settings: JsonObject, spec: HookSpec): void {
  const hooks = settings.hooks;
  if (!isJsonObject(hooks) || !Array.isArray(hooks[spec.event])) return;
  const kept = (hooks[spec.event] as unknown[]).flatMap((group) => {
    if (!groupHasCommand(group, spec.command)) return [group];
    const rest = ((group as JsonObject).hooks as unknown[]).filter(
      (h) => !(isJsonObject(h) && h.command === spec.command),
    );
    return rest.length ? [{ ...(group as JsonObject), hooks: rest }] : [];
  });
  if (kept.length) hooks[spec.event] = kept;
  else delete hooks[spec.event];
  if (Object.keys(hooks).length === 0) delete settings.hooks;
}

/*
 * Cursor's layout (cursor.com/docs/hooks, "Configuration"): {"version": 1, "hooks": {"<event>":
 * [{"command": "…", "matcher": "…"}]}}, event names in camelCase.
 */
const flatHas = (list: unknown, command: string) =>
  Array.isArray(list) && list.some((h) => isJsonObject(h) && h.command === command);

export function hasFlatHook(settings: JsonObject, spec: HookSpec): boolean {
  return isJsonObject(settings.hooks) && flatHas(settings.hooks[spec.event], spec.command);
}

export function addFlatHook(settings: JsonObject, spec: HookSpec): void {
  if (hasFlatHook(settings, spec)) return;
  if (settings.version === undefined) settings.version = 1;
  const entry: JsonObject = { command: spec.command };
  if (spec.matcher !== undefined) entry.matcher = spec.matcher;
  arrayAt(objectAt(settings, 'hooks'), spec.event).push(entry);
}

export function removeFlatHook(settings: JsonObject, spec: HookSpec): void {
  const hooks = settings.hooks;
  if (!isJsonObject(hooks) || !Array.isArray(hooks[spec.event])) return;
  const kept = (hooks[spec.event] as unknown[]).filter(
    (h) => !(isJsonObject(h) && h.command === spec.command),
  );
  if (kept.length) hooks[spec.event] = kept;
  else delete hooks[spec.event];
  if (Object.keys(hooks).length === 0) delete settings.hooks;
}

/** An MCP server entry under `mcpServers` (Claude Code's `.mcp.json`, Cursor's `.cursor/mcp.json`). */
export interface McpSpec {
  name: string;
  command: string;
  args: string[];
}

const sameServer = (entry: unknown, spec: McpSpec) =>
  isJsonObject(entry) &&
  entry.command === spec.command &&
  JSON.stringify(entry.args ?? []) === JSON.stringify(spec.args);

export function hasMcpServer(settings: JsonObject, spec: McpSpec): boolean {
  return isJsonObject(settings.mcpServers) && sameServer(settings.mcpServers[spec.name], spec);
}

/** Adds the server; a different server of the same name is the user's: CONFLICT, nothing changed. */
export function addMcpServer(settings: JsonObject, spec: McpSpec, file: string): void {
  const servers = objectAt(settings, 'mcpServers');
  const current = servers[spec.name];
  if (current !== undefined && !sameServer(current, spec)) {
    throw new OrcError(
      'CONFLICT',
      `${file} already has an MCP server named "${spec.name}" that does not run \`${[spec.command, ...spec.args].join(' ')}\`: rename or remove it, then run setup again`,
      { details: { path: file } },
    );
  }
  servers[spec.name] = { command: spec.command, args: spec.args };
}

/** Takes out orc's server only (a different one of the same name is left alone). */
export function removeMcpServer(settings: JsonObject, spec: McpSpec): void {
  const servers = settings.mcpServers;
  if (!isJsonObject(servers) || !sameServer(servers[spec.name], spec)) return;
  delete servers[spec.name];
  if (Object.keys(servers).length === 0) delete settings.mcpServers;
}
