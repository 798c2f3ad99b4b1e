import type { Command } from 'commander';

/**
 * The Examples section of `--help`, by command path. Plain text kept in bin/ (no library module is
 * loaded for help); each line is a command a person or agent can paste.
 */
const EXAMPLES: Record<string, string[]> = {
  '': [
    'orc init                                  # make a workspace here',
    'orc ws create api "The HTTP API"          # a workstream',
    'orc t add api "Add /health" --tag backend # a task in it',
    'export ORC_AGENT=alice; orc a register alice',
    'orc t next --brief                        # claim the most urgent ready task',
    'orc t complete t-4k9x "added, tested"     # finish it with its result',
    'orc status                                # the whole board',
    'source <(orc completion bash)             # Tab completion (zsh, fish too)',
  ],
  't add': [
    'orc t add api "Add /health"',
    'orc t add api "Rate limits" "429 after 100 req/min" 1 --tag backend',
    'orc t add web "Use /health" --dep t-4k9x   # ready once t-4k9x is done',
    'ID=$(orc t add api "Ship" --id-only)',
  ],
  't next': [
    'orc t next                     # across all workstreams, for $ORC_AGENT',
    'orc t next api alice --ttl 1h  # in one workstream, for alice, a one-hour lease',
    'orc t next --brief --json      # the task and its brief as one JSON document',
  ],
  't complete': [
    'orc t complete t-4k9x "merged in #42"',
    'orc t done t-4k9x --agent alice --token <token>',
    'orc t complete api t-4k9x "done" --force   # although another agent holds it (recorded)',
  ],
  run: [
    'orc run "add a /health endpoint with tests"',
    'orc run --flow review --payload pr=42 "review the PR"',
    'orc run --detach "migrate the schema"; orc run watch <id>',
  ],
  'lock acquire': [
    'orc lock acquire src/db.ts alice --ttl 10m',
    'orc lock acquire deploy alice --wait 60   # wait up to a minute for it',
    'orc lock release src/db.ts alice',
  ],
  'kb search': [
    'orc kb search "how do we deploy"',
    'orc kb search "retry policy" -k 3 --json',
    'orc kb search "retry policy" --mode hybrid   # with knowledge.embeddings set up',
  ],
  serve: [
    'orc serve                                   # http://127.0.0.1:7070, token in .orc/serve-token',
    'ORC_TOKEN=$(openssl rand -hex 24) orc serve --host 0.0.0.0 --port 8080',
  ],
  mcp: [
    'orc mcp                    # an MCP server on stdin/stdout',
    'orc mcp --tools core       # only the few core tools (fewer tokens per turn)',
    'claude mcp add orc -- orc mcp',
  ],
};

/** Adds the Examples section to the help of each command that has examples. */
export function addExamples(program: Command): void {
  for (const [path, lines] of Object.entries(EXAMPLES)) {
    let command: Command | undefined = program;
    for (const name of path ? path.split(' ') : [])
      command = command?.commands.find((c) => c.name() === name);
    // A renamed command loses its examples rather than breaking every command; the help test names it.
    if (!command) continue;
    command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
  }
}
