import { createRequire } from 'node:module';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readConfigDocument } from '../config/index.js';
import { dirname, resolve } from 'node:path';
import { OrcError, describeError, invalidInput, notFound, envValue } from '../shared/index.js';
import { CORE_TOOLS, MCP_INSTRUCTIONS, TOOLS, checkToolSet } from './mcp-tools.js';
import { type Workspace, entryKind, findWorkspace, initWorkspace } from '../storage/index.js';
import type { RunContinuer } from '../app/index.js';
import {
  type Operation,
  type OperationContext,
  operations,
  renameFields,
  runOperation,
} from '../operations/index.js';
import type { ZodV3 } from '../records/index.js';
import { OrcStdioTransport } from './mcp-transport.js';

/*
 * `orc mcp`: orc as an MCP server. The server keeps nothing between calls: each call finds the
 * workspace and calls the library afresh, so it answers exactly what the CLI would at that moment.
 * The SDK and zod are imported only here, inside the functions, so nothing else pays for them.
 */

export interface McpServerOptions {
  /** The workspace folder; without it, as the CLI finds it ($ORC_DIR, else upwards from cwd). */
  dir?: string;
  /** `core` exposes only CORE_TOOLS. Default: $ORC_MCP_TOOLS, else `mcp.tools` in orchestrator.yaml, else all. */
  tools?: 'core' | 'all';
  /** Who to record in events (default: $ORC_ACTOR, else the user name; the agent for its own claims). */
  actor?: string;
  /** How to invoke orc in commands printed for agents (default `orc`). */
  invocation?: string;
  /** Warnings (stdout is the protocol channel: never print there). */
  onWarning?: (message: string) => void;
  /** How a run started or decided over MCP goes on (default: in this process; see RunContinuer). */
  continueRun?: RunContinuer;
  env?: NodeJS.ProcessEnv;
}

/** Which tools to expose: the option, else the environment, else orchestrator.yaml, else all. */
export function mcpToolSet(options: McpServerOptions = {}): 'core' | 'all' {
  if (options.tools !== undefined) return checkToolSet(options.tools, '--tools');
  const env = options.env ?? process.env;
  const fromEnv = envValue(env, 'MCP_TOOLS');
  if (fromEnv) return checkToolSet(fromEnv, 'ORC_MCP_TOOLS');
  let setting: unknown;
  try {
    const mcp = readConfigDocument(findWorkspace({ dir: options.dir, env }))?.mcp;
    setting = mcp && typeof mcp === 'object' ? (mcp as Record<string, unknown>).tools : undefined;
  } catch {
    // No workspace yet, or a config that does not parse: every call will say so; the setting is moot.
    return 'all';
  }
  return setting === undefined || setting === null
    ? 'all'
    : checkToolSet(setting, 'orchestrator.yaml: mcp.tools');
}

/**
 * orc's version, from its package.json: two folders up from the CLI's bundle (dist/bin), three from
 * this module as tsc compiled it (dist/lib/interfaces).
 */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      return (require(path) as { version: string }).version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return 'unknown';
}

/** The MCP server for orc's workspace, with its tools registered; connect it to a transport. */
export async function createMcpServer(options: McpServerOptions = {}): Promise<McpServer> {
  const [{ McpServer }, { CallToolRequestSchema, ListToolsRequestSchema }, { z }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/mcp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
    import('zod'),
  ]);
  const version = packageVersion();
  const set = mcpToolSet(options);
  const tools = TOOLS.filter((t) => set === 'all' || (CORE_TOOLS as readonly string[]).includes(t.name));
  const byName = new Map(tools.map((t) => [t.name, t]));
  // The operations' schemas are written against the API zod 3 and 4 share: built here by zod 4 for
  // its JSON Schema only; arguments are checked by the operation itself, as for every front end.
  const listed = tools.map((tool) => {
    const op = operations[tool.operation] as Operation;
    const schema = z.object(op.fields(z as unknown as ZodV3) as unknown as Record<string, never>).strict();
    const inputSchema = compactSchema(z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>);
    inputSchema.properties ??= {};
    if (tool.configPath)
      (inputSchema.properties as Record<string, unknown>).config_path = {
        type: 'string',
        description: "the workspace's orchestrator.yaml (default: the server's workspace)",
      };
    // The seed's names for fields are listed too (a client may check arguments against the schema):
    // either name will do, so neither is required.
    if (tool.aliases) {
      delete inputSchema.additionalProperties;
      const properties = inputSchema.properties as Record<string, unknown>;
      for (const [alias, field] of Object.entries(tool.aliases))
        properties[alias] = { type: 'string', description: `same as ${field}` };
      const aliased = new Set(Object.values(tool.aliases));
      const required = (inputSchema.required as string[] | undefined)?.filter((f) => !aliased.has(f));
      if (required?.length) inputSchema.required = required;
      else delete inputSchema.required;
    }
    return {
      name: tool.name,
      description: op.summary,
      inputSchema,
      annotations: {
        readOnlyHint: op.readOnly,
        ...(op.readOnly ? {} : { destructiveHint: Boolean(tool.destructive) }),
      },
    };
  });
  const server = new McpServer({ name: 'orc', version }, { instructions: MCP_INSTRUCTIONS });
  // The SDK's registerTool would validate arguments itself and answer `MCP error -32602: …`; orc's
  // contract is `CODE: message` for every failure, so the tool requests are handled here, on the
  // underlying Server, as the SDK documents for custom handlers.
  server.server.registerCapabilities({ tools: {} });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  // The workspace the last `config_path` named: the seed's clients name it when they start a run and
  // then poll by run id alone.
  let chosen: Workspace | undefined;
  server.server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = byName.get(request.params.name);
    if (!tool) return failure('NOT_FOUND', `no tool ${JSON.stringify(request.params.name)}`);
    const warn = options.onWarning ?? (() => {});
    try {
      const given = isObject(request.params.arguments) ? { ...request.params.arguments } : {};
      const configPath = tool.configPath ? given.config_path : undefined;
      delete given.config_path;
      if (configPath !== undefined) chosen = workspaceOfConfig(configPath);
      const ctx: OperationContext = {
        ws: tool.configPath && chosen ? chosen : findWorkspace({ dir: options.dir, env: options.env }),
        actor: options.actor,
        invocation: options.invocation ?? 'orc',
        onWarning: warn,
        continueRun: options.continueRun,
      };
      const args = tool.aliases ? renameFields(given, tool.aliases) : given;
      const input = { ...tool.defaults, ...args };
      const result = await runOperation(operations[tool.operation] as Operation, ctx, input);
      const value = tool.reply ? tool.reply(result as never, warn) : result;
      return { content: [{ type: 'text', text: JSON.stringify(value ?? null) }] } satisfies CallToolResult;
    } catch (error) {
      const { code, message, details } = describeError(error);
      return failure(code, message, details);
    }
  });
  return server;
}

/**
 * The workspace of an orchestrator.yaml: the folder that holds it, made a workspace on first use (as
 * the seed made its data folder beside the file), since its users never ran `orc init`.
 */
function workspaceOfConfig(path: unknown): Workspace {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (typeof path !== 'string' || !/(^|\/)orchestrator\.ya?ml$/.test(path) || /[\u0000-\u001f]/.test(path))
    throw invalidInput('config_path must be the path of an orchestrator.yaml', { field: 'config_path' });
  const dir = dirname(resolve(path));
  try {
    return findWorkspace({ dir });
  } catch (error) {
    if (!(error instanceof OrcError) || error.code !== 'NO_WORKSPACE') throw error;
    if (entryKind({ root: dir }, resolve(path)) !== 'file')
      throw notFound(`config_path ${JSON.stringify(path)}: no such file`, { field: 'config_path' });
    return initWorkspace(dir).workspace;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Serves MCP on stdin/stdout until the client goes away. */
export async function serveMcp(options: McpServerOptions = {}): Promise<void> {
  const server = await createMcpServer(options);
  const transport = new OrcStdioTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  await server.connect(transport);
  await closed;
  await server.close();
}

/** A failed call: `CODE: message` on one line for the agent, and the same with `details` as structured content. */
function failure(code: string, message: string, details?: Record<string, unknown>): CallToolResult {
  const line = message.split('\n')[0]!;
  return {
    content: [{ type: 'text', text: `${code}: ${line}` }],
    structuredContent: { error: { code, message: line, ...(details ? { details } : {}) } },
    isError: true,
  };
}

/** JSON Schema without what costs tokens and tells an agent nothing. */
function compactSchema(schema: Record<string, unknown>): { type: 'object'; [key: string]: unknown } {
  const { $schema: _, ...rest } = schema;
  return { ...rest, type: 'object' };
}
