// The pre-edit lock hook, fed each agent tool's documented hook input (Claude Code's PreToolUse, Codex's
// apply_patch PreToolUse, Cursor's preToolUse): blocked under another agent's live lock (a path, a folder,
// a glob), allowed for its own lock, free files, expired locks and tools that write nothing; --auto-lock;
// orc's own failures allow. And identity: resolveAgentIdentity and `orc whoami`.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, orc, orcJson, tempDir, tempWorkspace } from './helpers.js';

const lib = await import(join(ROOT, 'dist', 'lib', 'index.js'));
const integrations = await import(join(ROOT, 'dist', 'lib', 'integrations', 'index.js'));
const { workspaceAt } = await import(join(ROOT, 'dist', 'lib', 'storage', 'index.js'));

const HOUR = 3_600_000;

/** A repository whose root is the workspace, with locks: alice holds src/a.ts, docs/**\/*.md and vendor/. */
async function board(t) {
  const dir = tempWorkspace(t);
  mkdirSync(join(dir, '.git'));
  const ws = workspaceAt(dir);
  await lib.acquireLock(ws, 'src/a.ts', 'alice', { ttlMs: HOUR });
  await lib.acquireLock(ws, 'docs/**/*.md', 'alice', { ttlMs: HOUR });
  await lib.acquireLock(ws, 'vendor/', 'alice', { ttlMs: HOUR });
  await lib.acquireLock(ws, 'src/mine.ts', 'bob', { ttlMs: HOUR });
  // Taken two hours ago for one hour: expired, free to edit.
  await lib.acquireLock(ws, 'src/old.ts', 'alice', { ttlMs: HOUR, now: new Date(Date.now() - 2 * HOUR) });
  return dir;
}

// The documented example inputs (code.claude.com/docs/en/hooks "PreToolUse input").
const claude = (dir, tool, toolInput) => ({
  session_id: 'abc123-0000-4000-8000-00000000c1a0',
  transcript_path: '/home/user/.claude/projects/x/abc123.jsonl',
  cwd: dir,
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: tool,
  tool_input: toolInput,
  tool_use_id: 'toolu_01ABC123',
});
// developers.openai.com/codex/hooks: the same envelope, apply_patch with the patch in tool_input.command.
const codex = (dir, patch) => ({
  session_id: '0199a213-81c0-7800-8aa1-bbab2a035a53',
  turn_id: 'turn-1',
  transcript_path: null,
  cwd: dir,
  hook_event_name: 'PreToolUse',
  model: 'gpt-5-codex',
  permission_mode: 'default',
  tool_name: 'apply_patch',
  tool_use_id: 'call_1',
  tool_input: { command: patch },
});
// cursor.com/docs/hooks: preToolUse, with conversation_id and workspace_roots instead of session_id and cwd.
const cursor = (dir, tool, toolInput) => ({
  conversation_id: 'conv-7f3a9c21-4b6e',
  generation_id: 'gen-456',
  model: 'claude-sonnet-4',
  hook_event_name: 'preToolUse',
  cursor_version: '2.1.0',
  workspace_roots: [dir],
  user_email: 'dev@example.com',
  tool_name: tool,
  tool_input: toolInput,
});

function hook(dir, input, { tool, env = {}, args = [] } = {}) {
  const toolArgs = tool ? ['--tool', tool] : [];
  return orc(['hook', 'pre-edit', ...toolArgs, ...args], {
    cwd: dir,
    input: typeof input === 'string' ? input : JSON.stringify(input),
    env: { ORC_AGENT: '', CODEX_THREAD_ID: '', ...env },
  });
}

test("claude: an edit under another agent's lock exits 2 with the reason on stderr", async (t) => {
  const dir = await board(t);
  const run = hook(
    dir,
    claude(dir, 'Edit', { file_path: join(dir, 'src/a.ts'), old_string: 'a', new_string: 'b' }),
    {
      tool: 'claude',
      env: { ORC_AGENT: 'bob' },
    },
  );
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.match(
    run.stderr,
    /^orc: src\/a\.ts is locked by alice until \S+ \(lock "src\/a\.ts"\): work on something else/,
  );
  // Through a glob and through a folder lock; Write and MultiEdit count as edits too.
  const glob = hook(
    dir,
    claude(dir, 'Write', { file_path: join(dir, 'docs/guide/intro.md'), content: 'x' }),
    { env: { ORC_AGENT: 'bob' } },
  );
  assert.equal(glob.code, 2);
  assert.match(glob.stderr, /docs\/guide\/intro\.md is locked by alice .*\(lock "docs\/\*\*\/\*\.md"\)/);
  const top = hook(dir, claude(dir, 'MultiEdit', { file_path: 'docs/README.md', edits: [] }), {
    env: { ORC_AGENT: 'bob' },
  });
  assert.equal(top.code, 2, 'docs/**/*.md covers docs/README.md');
  const folder = hook(dir, claude(dir, 'Edit', { file_path: join(dir, 'vendor/lib/x.js') }), {
    env: { ORC_AGENT: 'bob' },
  });
  assert.equal(folder.code, 2);
});

test('claude: allowed for its own lock, free files, expired locks and tools that write nothing', async (t) => {
  const dir = await board(t);
  const bob = { ORC_AGENT: 'bob' };
  const allowed = [
    claude(dir, 'Edit', { file_path: join(dir, 'src/mine.ts') }),
    claude(dir, 'Write', { file_path: join(dir, 'src/free.ts'), content: '' }),
    claude(dir, 'Edit', { file_path: join(dir, 'src/old.ts') }),
    claude(dir, 'Edit', { file_path: join(dir, 'docs/notes.txt') }),
    claude(dir, 'Bash', { command: 'rm src/a.ts', description: 'not an edit tool' }),
    claude(dir, 'Read', { file_path: join(dir, 'src/a.ts') }),
  ];
  for (const input of allowed) {
    const run = hook(dir, input, { tool: 'claude', env: bob });
    assert.equal(run.code, 0, `${input.tool_name} ${JSON.stringify(input.tool_input)}: ${run.stderr}`);
    assert.equal(run.stderr, '');
  }
  // alice edits her own locked file.
  assert.equal(
    hook(dir, claude(dir, 'Edit', { file_path: join(dir, 'src/a.ts') }), { env: { ORC_AGENT: 'alice' } })
      .code,
    0,
  );
});

test('without ORC_AGENT the agent is its session: a lock of another is in the way, with a hint', async (t) => {
  const dir = await board(t);
  const run = hook(dir, claude(dir, 'Edit', { file_path: join(dir, 'src/a.ts') }), { tool: 'claude' });
  assert.equal(run.code, 2);
  // The session id names the agent (claude-<last 12 letters or digits of the id>).
  const ws = workspaceAt(dir);
  await lib.acquireLock(ws, 'src/session.ts', 'claude-00000000c1a0', { ttlMs: HOUR });
  assert.equal(hook(dir, claude(dir, 'Edit', { file_path: join(dir, 'src/session.ts') })).code, 0);
});

test('codex: apply_patch touching a locked file is blocked (exit 2), other patches pass', async (t) => {
  const dir = await board(t);
  const patch = (file) =>
    `*** Begin Patch\n*** Update File: ${file}\n@@\n-old\n+new\n*** Add File: src/new.ts\n+export {};\n*** End Patch\n`;
  const blocked = hook(dir, codex(dir, patch('src/a.ts')), { tool: 'codex' });
  assert.equal(blocked.code, 2);
  assert.match(blocked.stderr, /src\/a\.ts is locked by alice/);
  assert.equal(hook(dir, codex(dir, patch('src/free.ts')), { tool: 'codex' }).code, 0);
  // Found from the input without --tool, and a Bash call is not an edit.
  assert.equal(hook(dir, codex(dir, patch('vendor/x.js'))).code, 2);
  const bash = { ...codex(dir, ''), tool_name: 'Bash', tool_input: { command: 'echo hi > src/a.ts' } };
  assert.equal(hook(dir, bash, { tool: 'codex' }).code, 0);
});

test('cursor: the reply is JSON on stdout, permission deny (exit 2) or allow (exit 0)', async (t) => {
  const dir = await board(t);
  const blocked = hook(dir, cursor(dir, 'Write', { file_path: join(dir, 'src/a.ts'), content: 'x' }), {
    tool: 'cursor',
  });
  assert.equal(blocked.code, 2);
  const reply = JSON.parse(blocked.stdout);
  assert.equal(reply.permission, 'deny');
  assert.match(reply.agent_message, /src\/a\.ts is locked by alice/);
  assert.equal(reply.user_message, reply.agent_message);
  const free = hook(dir, cursor(dir, 'StrReplace', { file_path: join(dir, 'src/free.ts') }), {
    tool: 'cursor',
  });
  assert.equal(free.code, 0);
  assert.deepEqual(JSON.parse(free.stdout), { permission: 'allow' });
  const shell = hook(dir, cursor(dir, 'Shell', { command: 'ls' }));
  assert.deepEqual([shell.code, JSON.parse(shell.stdout)], [0, { permission: 'allow' }]);
});

test('gemini: BeforeTool write_file under a lock exits 2 with stderr; allowed replies {} on stdout', async (t) => {
  const dir = await board(t);
  // geminicli.com/docs/hooks/reference: BeforeTool input.
  const gemini = (file) => ({
    session_id: 'gem-5d1c2e7a9b40',
    transcript_path: '/home/user/.gemini/tmp/chat.json',
    cwd: dir,
    hook_event_name: 'BeforeTool',
    timestamp: '2026-12-02T00:00:00.000Z',
    tool_name: 'write_file',
    tool_input: { file_path: join(dir, file), content: 'x' },
  });
  const blocked = hook(dir, gemini('src/a.ts'));
  assert.deepEqual([blocked.code, blocked.stdout], [2, '']);
  assert.match(blocked.stderr, /src\/a\.ts is locked by alice/);
  const free = hook(dir, gemini('src/free.ts'), { tool: 'gemini' });
  assert.deepEqual([free.code, free.stdout], [0, '{}\n']);
});

test('--auto-lock takes a lock on the first edit, for the agent, and keeps others out', async (t) => {
  const dir = await board(t);
  const edit = claude(dir, 'Edit', { file_path: join(dir, 'src/new.ts') });
  const run = hook(dir, edit, { tool: 'claude', env: { ORC_AGENT: 'carol' }, args: ['--auto-lock', '30m'] });
  assert.equal(run.code, 0, run.stderr);
  const lock = orcJson(dir, ['lock', 'list']).find((l) => l.resource === 'src/new.ts');
  assert.equal(lock.owner, 'carol');
  const minutes = (Date.parse(lock.expiresAt) - Date.now()) / 60_000;
  assert.ok(minutes > 25 && minutes <= 30, `${minutes} minutes`);
  // Again: already hers, no second acquisition.
  assert.equal(hook(dir, edit, { env: { ORC_AGENT: 'carol' }, args: ['--auto-lock', '30m'] }).code, 0);
  assert.equal(orcJson(dir, ['lock', 'list']).find((l) => l.resource === 'src/new.ts').count, 1);
  assert.equal(hook(dir, edit, { env: { ORC_AGENT: 'dave' }, args: ['--auto-lock', '30m'] }).code, 2);
});

test("orc's own failures allow the edit and warn: bad input, no workspace, bad ORC_AGENT, bad flags", async (t) => {
  const dir = await board(t);
  for (const input of ['', 'not json', '[1,2]', '{"no":"tool"}']) {
    const run = hook(dir, input, { tool: 'claude' });
    assert.equal(run.code, 0, input);
    assert.match(
      run.stderr,
      /^orc: warning: the hook input is not the JSON of a tool call: edit allowed unchecked/,
    );
  }
  const badAgent = hook(dir, claude(dir, 'Edit', { file_path: join(dir, 'src/a.ts') }), {
    env: { ORC_AGENT: 'no spaces' },
  });
  assert.equal(badAgent.code, 0);
  assert.match(badAgent.stderr, /ORC_AGENT "no spaces" is not a valid name.*edit allowed unchecked/);
  // Above the workspace: there is none to read locks from.
  const nowhere = join(dir, '..');
  const outside = hook(nowhere, claude(nowhere, 'Edit', { file_path: join(nowhere, 'x.ts') }));
  assert.equal(outside.code, 0);
  assert.match(outside.stderr, /^orc: warning: no orc workspace here .*: edit allowed unchecked/);
  const badTool = hook(dir, cursor(dir, 'Write', { file_path: join(dir, 'src/free.ts') }), { tool: 'emacs' });
  assert.equal(badTool.code, 0);
  assert.match(badTool.stderr, /--tool "emacs" is not one of claude, codex, cursor/);
  const badTtl = hook(dir, claude(dir, 'Edit', { file_path: join(dir, 'src/free.ts') }), {
    env: { ORC_AGENT: 'bob' },
    args: ['--auto-lock', 'soon'],
  });
  assert.equal(badTtl.code, 0);
  assert.match(badTtl.stderr, /--auto-lock.*no lock taken/);
});

test('the hook works through commander too (`orc --dir <ws> hook pre-edit`)', async (t) => {
  const dir = await board(t);
  const input = JSON.stringify(claude(dir, 'Edit', { file_path: join(dir, 'src/a.ts') }));
  const run = orc(['--dir', dir, 'hook', 'pre-edit', '--tool', 'claude'], {
    cwd: dir,
    input,
    env: { ORC_AGENT: 'bob' },
  });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /locked by alice/);
});

test('lock matching: paths, folders and globs, relative to the repository or absolute', () => {
  const file = { rel: 'src/api/users.ts', abs: '/repo/src/api/users.ts' };
  const covers = (r) => integrations.lockCovers(r, file);
  for (const r of [
    'src/api/users.ts',
    './src/api/users.ts',
    'src/api',
    'src/api/',
    'src/**',
    'src/**/*.ts',
    '**/users.ts',
    'src/*/users.ts',
    'src/api/user?.ts',
    '/repo/src/api/users.ts',
    '/repo/src/**',
  ]) {
    assert.ok(covers(r), r);
  }
  for (const r of ['src/a', 'src/*.ts', 'src/api/users.tsx', 'lib/**', 'service:db', '', '*.md'])
    assert.ok(!covers(r), r);
  assert.deepEqual(
    integrations.patchPaths(
      '*** Begin Patch\n*** Update File: a.ts\n*** Move to: b.ts\n*** Delete File: c.ts\n*** End Patch',
    ),
    ['a.ts', 'b.ts', 'c.ts'],
  );
});

test('resolveAgentIdentity: ORC_AGENT, then the hook session, then CODEX_THREAD_ID, else nobody', () => {
  const { resolveAgentIdentity } = integrations;
  assert.deepEqual(resolveAgentIdentity({ ORC_AGENT: 'ada' }, { tool: 'claude', sessionId: 'x1234567' }), {
    agent: 'ada',
    source: 'ORC_AGENT',
    reason: 'from $ORC_AGENT',
  });
  const hooked = resolveAgentIdentity(
    {},
    { tool: 'claude', sessionId: '736848ea-e359-4f8c-9e44-7f2dea2ad9b1' },
  );
  assert.deepEqual([hooked.agent, hooked.source], ['claude-7f2dea2ad9b1', 'hook-input']);
  const thread = resolveAgentIdentity({ CODEX_THREAD_ID: '0199a213-81c0-7800-8aa1-bbab2a035a53' });
  assert.deepEqual([thread.agent, thread.source], ['codex-bbab2a035a53', 'CODEX_THREAD_ID']);
  assert.deepEqual(resolveAgentIdentity({}), {
    agent: null,
    source: 'none',
    reason: 'nobody: set ORC_AGENT or pass --agent',
  });
  assert.throws(() => resolveAgentIdentity({ ORC_AGENT: '../etc' }), { code: 'INVALID_INPUT' });
});

test('orc whoami: from ORC_AGENT, from a Codex session, nobody, and an invalid ORC_AGENT', () => {
  const env = { ORC_AGENT: '', CODEX_THREAD_ID: '' };
  const named = orc(['whoami'], { env: { ...env, ORC_AGENT: 'ada' } });
  assert.deepEqual([named.code, named.stdout], [0, 'ada (from $ORC_AGENT)\n']);
  const session = orc(['--json', 'whoami'], {
    env: { ...env, CODEX_THREAD_ID: '0199a213-81c0-7800-8aa1-bbab2a035a53' },
  });
  assert.deepEqual(session.json(), {
    agent: 'codex-bbab2a035a53',
    source: 'CODEX_THREAD_ID',
    reason: 'from the Codex session ($CODEX_THREAD_ID)',
  });
  const nobody = orc(['whoami'], { env });
  assert.deepEqual([nobody.code, nobody.stdout], [0, 'nobody: set ORC_AGENT or pass --agent\n']);
  assert.equal(orc(['--json', 'whoami'], { env }).json().agent, null);
  const bad = orc(['whoami'], { env: { ...env, ORC_AGENT: 'two words' } });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /ORC_AGENT "two words" is not a valid name/);
});

test('hook session-start exports the session agent through CLAUDE_ENV_FILE, once, and never fails', (t) => {
  const dir = tempDir(t);
  const envFile = join(dir, 'session.env');
  writeFileSync(envFile, 'export FOO=1');
  const input = JSON.stringify({
    session_id: '736848ea-e359-4f8c-9e44-7f2dea2ad9b1',
    transcript_path: '/x.jsonl',
    cwd: dir,
    hook_event_name: 'SessionStart',
    source: 'startup',
  });
  const start = (env) =>
    orc(['hook', 'session-start', '--tool', 'claude'], { cwd: dir, input, env: { ORC_AGENT: '', ...env } });
  const first = start({ CLAUDE_ENV_FILE: envFile });
  assert.deepEqual([first.code, first.stdout, first.stderr], [0, '', '']);
  assert.equal(readFileSync(envFile, 'utf8'), 'export FOO=1\nexport ORC_AGENT=claude-7f2dea2ad9b1\n');
  assert.equal(start({ CLAUDE_ENV_FILE: envFile }).code, 0);
  assert.equal(readFileSync(envFile, 'utf8'), 'export FOO=1\nexport ORC_AGENT=claude-7f2dea2ad9b1\n', 'once');
  // What a command of the session then sees.
  const who = orc(['whoami'], { env: { ORC_AGENT: 'claude-7f2dea2ad9b1' } });
  assert.equal(who.stdout, 'claude-7f2dea2ad9b1 (from $ORC_AGENT)\n');
  // No env file, a bad ORC_AGENT, input that is not JSON: exit 0 all the same.
  assert.equal(start({}).code, 0);
  const bad = start({ CLAUDE_ENV_FILE: envFile, ORC_AGENT: 'a b' });
  assert.equal(bad.code, 0);
  assert.match(bad.stderr, /^orc: warning: ORC_AGENT "a b" is not a valid name/);
  const garbage = orc(['hook', 'session-start'], {
    cwd: dir,
    input: 'nope',
    env: { ORC_AGENT: '', CLAUDE_ENV_FILE: envFile },
  });
  assert.equal(garbage.code, 0);
  assert.match(garbage.stderr, /nobody: set ORC_AGENT/);
});

test('hook session-start for Cursor and Gemini prints JSON only: the primer as context, Cursor the agent as env', (t) => {
  const dir = tempWorkspace(t);
  orc(['--dir', dir, 'ws', 'create', 'build']);
  orc(['--dir', dir, 't', 'add', 'build', 'Seed the data']);
  const cursorInput = JSON.stringify({
    conversation_id: '0199a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b',
    hook_event_name: 'sessionStart',
    workspace_roots: [dir],
  });
  const cursor = orc(['hook', 'session-start', '--tool', 'cursor'], {
    cwd: dir,
    input: cursorInput,
    env: { ORC_AGENT: '' },
  });
  assert.equal(cursor.code, 0, cursor.stderr);
  const reply = JSON.parse(cursor.stdout);
  assert.deepEqual(Object.keys(reply), ['env', 'additional_context']);
  assert.equal(reply.env.ORC_AGENT, 'cursor-1c2d3e4f5a6b');
  assert.match(reply.additional_context, /who: \*\*cursor-1c2d3e4f5a6b\*\*/);
  assert.match(reply.additional_context, /Seed the data/);
  const geminiInput = JSON.stringify({
    session_id: 'g-42',
    hook_event_name: 'SessionStart',
    source: 'startup',
  });
  const gemini = orc(['hook', 'session-start', '--tool', 'gemini'], {
    cwd: dir,
    input: geminiInput,
    env: { ORC_AGENT: 'ada' },
  });
  assert.equal(gemini.code, 0, gemini.stderr);
  const { hookSpecificOutput } = JSON.parse(gemini.stdout);
  assert.equal(hookSpecificOutput.hookEventName, 'SessionStart');
  assert.match(hookSpecificOutput.additionalContext, /who: \*\*ada\*\*/);
  // Outside a workspace: still one JSON document and exit 0, the reason on stderr.
  const outside = orc(['hook', 'session-start', '--tool', 'gemini'], {
    cwd: tempDir(t),
    input: geminiInput,
    env: { ORC_AGENT: 'ada', ORC_DIR: '' },
  });
  assert.deepEqual([outside.code, JSON.parse(outside.stdout)], [0, {}]);
  assert.match(outside.stderr, /no primer: no orc workspace/);
});
