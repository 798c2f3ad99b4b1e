#!/usr/bin/env node
import { createRequire } from 'node:module';
import type { Command as CommandType } from 'commander';
import { addExamples } from './examples.js';
import { lazy } from './run.js';

// `orc hook pre-edit` runs before every edit an agent makes: it answers without loading commander.
if (
  process.argv[2] === 'hook' &&
  process.argv[3] === 'pre-edit' &&
  !/^(-h|--help)$/m.test(process.argv.join('\n'))
) {
  const { runHookArgs } = await import('./commands/hook.js');
  process.exit(await runHookArgs(process.argv.slice(3)));
}

// Shell completion asks for workstreams, agents or tasks on every Tab: also answered before commander.
if (process.argv[2] === '__complete') {
  const { runCompleteArgs } = await import('./commands/complete-values.js');
  process.exit(await runCompleteArgs(process.argv.slice(3)));
}

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };
// require, not import: commander is CommonJS, and importing it from ESM costs several ms more.
const { Argument, Command, CommanderError, Option } = require('commander') as typeof import('commander');

const init = () => import('./commands/init.js');
const workstreams = () => import('./commands/workstreams.js');
const tasks = () => import('./commands/tasks.js');
const agents = () => import('./commands/agents.js');
const locks = () => import('./commands/locks.js');
const events = () => import('./commands/events.js');
const status = () => import('./commands/status.js');

const collect = (value: string, previous: string[] = []) => [...previous, value];
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function build(json: boolean): CommandType {
  const program = new Command('orc')
    .description('Coordinate a team of AI agents through plain files in your repo.')
    .version(version, '-V, --version')
    .option('--json', 'print one JSON document on stdout (errors as JSON on stderr)')
    .option('--dir <path>', 'the workspace folder (default: $ORC_DIR, else found upwards)')
    .option('--actor <name>', 'who to record in events (default: $ORC_ACTOR, else your user name)')
    .option('--field <path>', "print only this field of the command's JSON (a list: one per line)")
    .option('--id-only', 'print only the id (as --field id)')
    .showSuggestionAfterError()
    // Agents asked for JSON get commander's own errors as JSON instead (see reportError).
    .configureOutput({ writeErr: (text) => json || process.stderr.write(text) })
    .exitOverride();

  program
    .command('init [dir]')
    .description('make a workspace (safe to re-run)')
    .action(lazy(init, 'initCommand'));
  program
    .command('status')
    .alias('s')
    .description('workstreams, agents, claims, locks and recent events')
    .action(lazy(status, 'statusCommand'));

  const ws = program
    .command('ws')
    .alias('workstream')
    .description('workstreams: create, list, show, update, archive');
  ws.command('create <name> [description] [priority]')
    .description('create a workstream')
    .option('-d, --description <text>', 'what it is for (instead of the second argument)')
    .option('-p, --priority <n>', '0-9, lower is more urgent (default 3)')
    .action(lazy(workstreams, 'create'));
  ws.command('list')
    .alias('ls')
    .description('list workstreams with task counts')
    .action(lazy(workstreams, 'list'));
  ws.command('show <name>').description('a workstream and its tasks').action(lazy(workstreams, 'show'));
  ws.command('update <name>')
    .description('change a workstream')
    .option('-d, --description <text>')
    .option('-p, --priority <n>', 'lower is more urgent')
    .action(lazy(workstreams, 'update'));
  ws.command('archive <name>')
    .description('archive a workstream (keeps its tasks)')
    .action(lazy(workstreams, 'archive'));

  const t = program
    .command('t')
    .alias('task')
    .description('tasks: add, list, claim, next, complete, fail, …');
  const views = () => import('./commands/task-views.js');
  t.command('add [ws] [title] [description] [priority]')
    .usage('<ws> <title> [description] [priority] [options]   (or: --ws <ws> <title> …)')
    .description('add a task to a workstream')
    .option('-w, --ws <name>', 'the workstream (instead of the first argument)')
    .option('-d, --description <text>', 'what to do (instead of the third argument)')
    .option('-p, --priority <n>', '0-9, lower is more urgent (default 3)')
    .option('--dep <id>', 'a task that must be done first (repeatable)', collect)
    .option('--tag <tag>', 'a tag, matched against agent capabilities (repeatable)', collect)
    .action(lazy(tasks, 'add'));
  t.command('list [ws]')
    .description('open and claimed tasks, most urgent first (done, cancelled and run steps: --all)')
    .option('-w, --ws <name>', 'only this workstream')
    .option('-s, --status <status>', 'open, claimed, done, failed or cancelled')
    .option('-a, --agent <id>', 'only tasks claimed by this agent')
    .option('--tag <tag>', 'only tasks with this tag')
    .option('--ready', 'only tasks `t next` could hand out now')
    .option('--search <text>', 'title or description contains this (any case)')
    .option('--limit <n>', 'at most this many')
    .option('--all', 'done and cancelled tasks and run steps too')
    .option('--runs', "the tasks of runs' steps too")
    .action(lazy(views, 'list'));
  t.command('show <id>')
    .description('one task (an id or a unique prefix): what it depends on, what it blocks, history')
    .option('--absolute', 'times as ISO, not "3m ago"')
    .option(
      '--history',
      "the task's whole history, from every segment of the log (by default: its last 10 events among the recent ones)",
    )
    .action(lazy(views, 'show'));
  t.command('tree <id>')
    .description("a task's dependency tree, with each task's status")
    .action(lazy(views, 'tree'));
  t.command('update <id>')
    .description('change a task')
    .option('--title <text>')
    .option('-d, --description <text>')
    .option('-p, --priority <n>')
    .option('--tag <tag>', 'replace the tags with these (repeatable)', collect)
    .option('--tags <list>', 'replace the tags (comma-separated)', list)
    .option('--dep <id>', 'add a dependency (repeatable)', collect)
    .option('--remove-dep <id>', 'remove a dependency (repeatable)', collect)
    .action(lazy(tasks, 'update'));
  t.command('claim <wsOrId> <idOrAgent> [agent]')
    .usage('[ws] <id> <agent> [options]')
    .description('claim a task under a lease')
    .option('--ttl <duration>', 'lease length, e.g. 30m (default: board.claim_ttl)')
    .action(lazy(tasks, 'claim'));
  t.command('next [wsOrAgent] [agent]')
    .usage('[ws] [agent] [options]   (agent: default $ORC_AGENT, else the agent tool session; see whoami)')
    .description('claim the most urgent ready task (in one workstream, or across all)')
    .option('-w, --ws <name>', 'only this workstream (instead of the first argument)')
    .option('--ttl <duration>', 'lease length, e.g. 30m (default: board.claim_ttl)')
    .option('--brief', 'print the brief of the claimed task too (JSON: {task, brief, knowledge})')
    .option('--budget <chars>', 'character budget of the brief (default knowledge.brief_budget, 8000)')
    .option(
      '--another',
      'take one more task although you hold a live claim (default: that claim is handed back)',
    )
    .action(lazy(tasks, 'next'));
  for (const [name, args, usage, text] of [
    ['complete', '<wsOrId> [idOrResult] [result]', '[ws] <id> [result]', 'mark a task done, with its result'],
    ['fail', '<wsOrId> <idOrReason> [reason]', '[ws] <id> <reason>', 'mark a task failed, with the reason'],
    ['release', '<wsOrId> [id]', '[ws] <id>', 'give a claimed task back to the queue'],
  ] as const) {
    t.command(`${name} ${args}`)
      .aliases(name === 'complete' ? ['done'] : [])
      .usage(`${usage} [options]`)
      .description(text)
      .option(
        '-a, --agent <id>',
        'you, the claim holder (default: $ORC_AGENT, else the only agent if it holds it)',
      )
      .option('--token <token>', 'the claim token `t claim`/`t next` returned')
      .option('--force', 'act although another agent holds the claim (recorded)')
      .action(lazy(tasks, name));
  }
  t.command('cancel <id>')
    .description('cancel a task')
    .option('--reason <text>')
    .action(lazy(tasks, 'cancel'));
  t.command('reopen <id>')
    .description('put a done, failed or cancelled task back in the queue')
    .action(lazy(tasks, 'reopen'));
  t.command('note <id> <text>')
    .description('add a progress note to a task (shown by `t show` and in briefs)')
    .option('-a, --agent <id>', 'who writes it (default: the actor)')
    .action(lazy(() => import('./commands/task-notes.js'), 'note'));

  const a = program
    .command('a')
    .alias('agent')
    .description('agents: register, list, show, heartbeat, unregister');
  a.command('register <id> [role]')
    .description('register an agent (or update its role and capabilities)')
    .option('-c, --capabilities <list>', 'comma-separated, matched against task tags', list)
    .action(lazy(agents, 'register'));
  a.command('list').description('agents, live or stale').action(lazy(agents, 'list'));
  a.command('show <id>').description('one agent and its claims').action(lazy(agents, 'show'));
  a.command('heartbeat <id>')
    .description('mark the agent live and renew its claims')
    .option('--ttl <duration>', 'new lease length (default: board.claim_ttl)')
    .action(lazy(agents, 'heartbeat'));
  a.command('unregister <id>')
    .description('remove an agent; its claims and locks are released')
    .action(lazy(agents, 'unregister'));

  const lock = program.command('lock').description('resource locks with a time-to-live');
  lock
    .command('acquire <resource> <agent>')
    .description('take a lock (re-entrant for its owner)')
    .option('--ttl <duration>', 'time-to-live (default: board.lock_ttl)')
    .option('--wait <seconds>', 'wait this long for the lock to be free')
    .action(lazy(locks, 'acquire'));
  lock
    .command('release <resource> <agent>')
    .description('release a lock (owner only, unless --force)')
    .option('--force', "release another owner's lock (recorded)")
    .action(lazy(locks, 'release'));
  lock
    .command('list')
    .description('held locks')
    .option('--all', 'include expired ones')
    .action(lazy(locks, 'list'));

  program
    .command('events')
    .description('the event log')
    .option('-a, --agent <actor>', 'events by this actor')
    .option('-t, --type <type>', 'this type, or a prefix ending in "." (task.)')
    .option('--action <type>', 'the same as --type (the OpSpawn seed names it so)')
    .option('--subject <id>', 'events about this task, agent, lock or workstream')
    .option('--since <when>', 'an ISO time or a duration ago (10m, 2h)')
    .option('-n, --last <n>', 'only the last N')
    .option('-f, --follow', 'keep printing new events')
    .action(lazy(events, 'eventsCommand'));
  program
    .command('log <type> [data]')
    .description('append a custom event; data is a JSON object')
    .option('--subject <id>', 'what the event is about')
    .action(lazy(events, 'logCommand'));

  const git = () => import('./commands/git.js');
  const doctor = () => import('./commands/doctor.js');
  program
    .command('doctor')
    .description('check every file; --fix repairs what it safely can (never deletes data)')
    .option(
      '--fix',
      'merge conflict markers, de-duplicate events, quarantine unreadable files, expire stale claims and locks',
    )
    .action(lazy(doctor, 'doctorCommand'));
  program
    .command('sync')
    .description("commit orc's own files, merge the remote with orc's driver, push (never forces)")
    .option('-m, --message <text>', 'the commit message')
    .option('--retries <n>', 'push attempts after a rejection (default 5)')
    .action(lazy(git, 'sync'));
  program
    .command('git')
    .description('git integration')
    .command('setup')
    .description("define orc's merge driver in this clone's git config (orc init does it too)")
    .action(lazy(git, 'gitSetup'));
  program
    .command('merge-driver <base> <ours> <theirs> [path]', { hidden: true })
    .description('called by git: merge one orc file')
    .action(lazy(git, 'mergeDriver'));

  const runs = () => import('./commands/runs.js');
  const run = program
    .command('run')
    .description('plan a task into steps and run them with the configured agents')
    .argument('[task...]', 'what to do')
    .option('--flow <id>', 'use this flow')
    .option('--payload <key=value>', 'a value for {{payload.key}} in the flow (repeatable)', collect)
    .option('--concurrency <n>', 'steps at once (default: orchestrator.yaml, else 4)')
    .option('--detach', 'print the run id at once and run in the background')
    .action(lazy(runs, 'runCommand'));
  run.command('status <id>').description("a run's steps, gates and outputs").action(lazy(runs, 'status'));
  run
    .command('list')
    .description('runs, newest first')
    .option('--status <status>')
    .action(lazy(runs, 'list'));
  run
    .command('cancel <id>')
    .description('cancel a run (its running steps are stopped)')
    .option('--reason <text>')
    .action(lazy(runs, 'cancel'));
  run
    .command('resume <id>')
    .description('continue a run (after a crash, steps that were running run again)')
    .addOption(new Option('--wait-lease', 'wait for another runner of the run to finish').hideHelp())
    .action(lazy(runs, 'resume'));
  run
    .command('watch <id>')
    .description('follow a run until it ends or waits for approval')
    .action(lazy(runs, 'watch'));
  program
    .command('approve <run> [step]')
    .description('approve a waiting gate; the run continues')
    .option('--note <text>')
    .action(lazy(runs, 'approve'));
  program
    .command('reject <run> [step]')
    .description('reject a waiting gate; its dependents are skipped')
    .requiredOption('--reason <text>', 'why')
    .action(lazy(runs, 'reject'));
  program
    .command('worker')
    .description("execute runs' steps queued through Redis (redis: in orchestrator.yaml) until SIGTERM")
    .option('--agents <a,b>', 'the agents to serve (default: every command and LLM agent)', list)
    .option('--concurrency <n>', 'jobs at once, per agent (default 1)')
    .action(lazy(() => import('./commands/worker.js'), 'worker'));
  program
    .command('mcp')
    .description('serve this workspace to MCP clients on stdin/stdout (Claude Desktop, Claude Code, …)')
    .option('--tools <set>', 'core (a few tools) or all (default: $ORC_MCP_TOOLS, else mcp.tools, else all)')
    .action(lazy(() => import('./commands/mcp.js'), 'mcp'));
  program
    .command('serve')
    .description('the HTTP API and a live dashboard, with a bearer token (until SIGINT/SIGTERM)')
    .option('--host <host>', 'the address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'the port (default 7070; 0 picks a free one)')
    .action(lazy(() => import('./commands/serve.js'), 'serve'));

  const cycles = () => import('./commands/cycles.js');
  const cycle = program.command('cycle').description('cycles over the board: plan, brief, collect');
  cycle
    .command('plan')
    .description('start a cycle: ready tasks per workstream, parallel or serial, and the free agent for each')
    .option('--per <n>', 'ready tasks per workstream (default 5)')
    .action(lazy(cycles, 'plan'));
  cycle
    .command('brief <agent>')
    .description(
      "claim the agent's next task of the cycle and print its brief (a workstream: its plan, nothing claimed)",
    )
    .option('--budget <chars>', 'character budget of the brief')
    .action(lazy(() => import('./commands/briefs.js'), 'cycleBrief'));
  cycle
    .command('collect')
    .description('results of the current cycle: completed, failed, in hand')
    .option('--since <when>', 'an ISO time or a duration ago instead of the cycle start')
    .action(lazy(cycles, 'collect'));

  program
    .command('config')
    .description('orchestrator.yaml')
    .command('check')
    .description('validate orchestrator.yaml and name the path of each problem')
    .action(lazy(() => import('./commands/config.js'), 'check'));

  const policies = () => import('./commands/policies.js');
  const policy = program
    .command('policy')
    .description('policy rules: gate or forbid matching steps of every plan');
  policy
    .command('add')
    .description('add a rule; every given matcher must hold')
    .option('--agent <id>', 'steps given to this agent')
    .option('--domain <domain>', 'steps whose agent has this domain')
    .option('--capability <capability>', 'steps whose agent has this capability')
    .option('--keyword <word>', 'steps whose task has this word (repeatable: any of them)', collect)
    .option('--regex <regex>', 'steps whose task matches (case-insensitive)')
    .option('--gate <mode>', 'hold matching steps: after (default) or before they run')
    .option('--forbid', 'refuse plans that give matching steps to the agent')
    .requiredOption('--reason <text>', 'why (shown to reviewers)')
    .action(lazy(policies, 'add'));
  policy.command('list').description('the rules').action(lazy(policies, 'list'));
  policy.command('show <id>').description('one rule').action(lazy(policies, 'show'));
  policy
    .command('rm <id>')
    .description('retire a rule')
    .option('--reason <text>')
    .action(lazy(policies, 'rm'));

  const reflection = () => import('./commands/reflect.js');
  const reflectCmd = program
    .command('reflect')
    .description('pending promotions from recurring failures, active rules, demotion candidates')
    .action(lazy(reflection, 'show'));
  for (const [name, args, text, needsReason] of [
    ['promote', '<id>', 'turn a pending promotion into a policy rule', false],
    ['reject', '<id>', 'decline a pending promotion (needs --reason)', true],
    ['demote', '<rule>', 'retire a policy rule (needs --reason)', true],
  ] as const) {
    const sub = reflectCmd
      .command(`${name} ${args}`)
      .description(text)
      .requiredOption('--approver <name>', 'who decides');
    (needsReason
      ? sub.requiredOption('--reason <text>', 'why')
      : sub.option('--reason <text>', 'why')
    ).action(lazy(reflection, name));
  }

  program
    .command('brief <task>')
    .description(
      'what an agent needs for a task: the task, dependency results, knowledge, events, how to report',
    )
    .option('--budget <chars>', 'character budget (default knowledge.brief_budget, 8000)')
    .action(lazy(() => import('./commands/briefs.js'), 'brief'));

  const knowledge = () => import('./commands/knowledge.js');
  const kb = program
    .command('kb')
    .description('the knowledge base: markdown in knowledge/, searchable offline');
  kb.command('write <name> [content...]')
    .description(
      'write a document (content from stdin when omitted or -; several words are joined by spaces); front matter is kept and updated',
    )
    .option('--title <title>', 'set the title')
    .option('--tag <tag>', 'set the tags (repeatable; replaces the old ones)', collect)
    .action(lazy(knowledge, 'write'));
  kb.command('read <name>').description('print a document').action(lazy(knowledge, 'read'));
  kb.command('list')
    .description('documents with title, tags, updated and size')
    .action(lazy(knowledge, 'list'));
  kb.command('rm <name>')
    .description('remove a document (git keeps its history)')
    .action(lazy(knowledge, 'rm'));
  kb.command('search <query>')
    .description('the most relevant documents: name, section, snippet, score')
    .option('-k <n>', 'how many documents (default 5)')
    .option('--mode <mode>', 'lexical, semantic or hybrid (default: knowledge.search in orchestrator.yaml)')
    .action(lazy(knowledge, 'search'));
  kb.command('reindex')
    .description('check every document by content hash and re-index what changed')
    .option('--full', 'rebuild the index from scratch')
    .action(lazy(knowledge, 'reindex'));

  const memory = program.command('memory').description('consolidated run notes and their forgetting curve');
  memory
    .command('list')
    .description('memories, least relevant first')
    .action(lazy(() => import('./commands/memory.js'), 'list'));
  memory
    .command('prune')
    .description('keep the most relevant, archive the rest to knowledge/archive/ (never deleted)')
    .requiredOption('--budget <n>', 'how many memories to keep')
    .action(lazy(() => import('./commands/memory.js'), 'prune'));

  const integrations = () => import('./commands/integrations.js');
  program
    .command('setup <tool>')
    .description(
      "install orc's hooks, MCP server and instructions into claude, codex, cursor or gemini (project files)",
    )
    .option('--check', 'say what is installed and what is missing (exit 1 when something is)')
    .option('--remove', "take out orc's parts only")
    .action(lazy(integrations, 'setup'));
  program
    .command('whoami')
    .description('the agent id orc uses here ($ORC_AGENT, else the agent tool session) and why')
    .action(lazy(integrations, 'whoami'));
  const hook = program.command('hook').description('hooks run by agent tools');
  hook
    .command('session-start')
    .description(
      "the session's agent id for the agent's commands (Claude Code's CLAUDE_ENV_FILE); the primer as JSON for Cursor and Gemini",
    )
    .option('--tool <tool>', 'claude, cursor or gemini (default claude)')
    .action(lazy(() => import('./commands/hook.js'), 'sessionStart'));
  hook
    .command('pre-edit')
    .description(
      "refuse an edit to a file under another agent's live lock (reads the tool's hook JSON on stdin)",
    )
    .option('--tool <tool>', 'claude, codex, cursor or gemini (default: found from the input)')
    .option('--auto-lock <ttl>', 'take a lock of this length on each file on first edit')
    .action(lazy(() => import('./commands/hook.js'), 'preEdit'));
  program
    .command('prime')
    .description(
      'what an agent needs at session start or after compaction: its claims, ready tasks, the protocol',
    )
    .option('-a, --agent <id>', 'who you are (default: $ORC_AGENT)')
    .action(lazy(() => import('./commands/prime.js'), 'prime'));

  program
    .command('import <path>')
    .description(
      "import an OpSpawn orchestrator's folder (state.json, events.jsonl, knowledge/); again: skips what is there",
    )
    .action(lazy(() => import('./commands/import.js'), 'importCommand'));
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (install lines: docs/commands.md)')
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh', 'fish']))
    .action(async (shell, _opts, command: CommandType) =>
      (await import('./commands/completion.js')).completionCommand(shell, command.parent!),
    );
  program.addOption(new Option('--no-color', 'no colours (also: NO_COLOR=1)').hideHelp());
  addExamples(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const program = build(json);
  try {
    await program.parseAsync(argv);
    // A command may end with a status that is not an error (`setup --check`, `hook pre-edit`).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 0; // --help, --version
    // Loaded only on failure: `orc --help` and a command that succeeds pay nothing for it.
    const { reportError } = await import('./report.js');
    return reportError(error, json);
  }
}

// A reader that stops early (`orc t list | head`) closes the pipe: that ends the command, quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
