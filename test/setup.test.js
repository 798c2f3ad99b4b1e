// `orc setup <tool>`: for Claude Code, Codex and Cursor, setup → check → remove on settings that already
// hold the user's own hooks, MCP servers and instructions leaves them byte for byte; setup twice changes
// nothing; check reports what is missing. Through the real binary (the CLI contract), and the pure
// planner in process.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ROOT, orc, tempDir } from './helpers.js';

const { planSetup, AGENTS_SECTION } = await import(join(ROOT, 'dist', 'lib', 'integrations', 'index.js'));

const TOOLS = ['claude', 'codex', 'cursor', 'gemini'];

/** What a user already has, per tool: their own hooks, servers and instructions, in their own layouts. */
const FIXTURES = {
  claude: {
    '.claude/settings.json': `${JSON.stringify(
      {
        $schema: 'https://json.schemastore.org/claude-code-settings.json',
        permissions: { allow: ['Bash(npm test:*)'] },
        hooks: {
          PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './scripts/guard.sh' }] }],
          PostToolUse: [{ matcher: 'Edit|Write', hooks: [{ type: 'command', command: 'npx prettier -w' }] }],
        },
      },
      null,
      4,
    )}\n`,
    // No final newline, tabs: kept as they are.
    '.mcp.json': JSON.stringify(
      { mcpServers: { github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] } } },
      null,
      '\t',
    ),
    'CLAUDE.md': '# Project notes\n\nRun `npm test` before committing.\n',
  },
  codex: {
    '.codex/hooks.json': `${JSON.stringify(
      { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'python3 .codex/stop.py', timeout: 30 }] }] } },
      null,
      2,
    )}\n`,
    '.codex/config.toml':
      'model = "gpt-5-codex"\n\n# my docs server\n[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "docs-mcp"]\n',
    'AGENTS.md': '# Agents\n\nUse pnpm, not npm.\n',
  },
  cursor: {
    '.cursor/hooks.json': `${JSON.stringify(
      { version: 1, hooks: { afterFileEdit: [{ command: './hooks/format.sh' }] } },
      null,
      2,
    )}\n`,
    '.cursor/mcp.json': `${JSON.stringify({ mcpServers: { figma: { url: 'http://127.0.0.1:3845/sse' } } }, null, 2)}\n`,
    'AGENTS.md': '# Agents\r\n\r\nWindows line ends stay.\r\n',
  },
  gemini: {
    '.gemini/settings.json': `${JSON.stringify(
      {
        theme: 'GitHub',
        mcpServers: { db: { command: 'npx', args: ['db-mcp'], trust: false } },
        hooks: {
          AfterTool: [{ matcher: 'run_shell_command', hooks: [{ type: 'command', command: './log.sh' }] }],
        },
      },
      null,
      2,
    )}\n`,
    'GEMINI.md': 'Be brief.',
  },
};

const FILES = {
  claude: ['.claude/settings.json', '.mcp.json', 'CLAUDE.md'],
  codex: ['.codex/hooks.json', '.codex/config.toml', 'AGENTS.md'],
  cursor: ['.cursor/hooks.json', '.cursor/mcp.json', 'AGENTS.md'],
  gemini: ['.gemini/settings.json', 'GEMINI.md'],
};

function repo(t, files = {}) {
  const dir = tempDir(t);
  mkdirSync(join(dir, '.git'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const snapshot = (dir, paths) =>
  Object.fromEntries(
    paths.map((p) => [p, existsSync(join(dir, p)) ? readFileSync(join(dir, p), 'utf8') : null]),
  );

const setup = (dir, ...args) => orc(['--json', 'setup', ...args], { cwd: dir });

for (const tool of TOOLS) {
  test(`${tool}: setup, check and remove keep the user's own settings byte for byte`, (t) => {
    const dir = repo(t, FIXTURES[tool]);
    const before = snapshot(dir, FILES[tool]);

    const missing = setup(dir, tool, '--check');
    assert.equal(missing.code, 1, missing.stderr);
    assert.equal(missing.stderr, '');
    assert.equal(missing.json().complete, false);
    assert.ok(missing.json().files.every((f) => f.parts.every((p) => !p.installed)));

    const first = setup(dir, tool);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.json().complete, true);
    const installed = snapshot(dir, FILES[tool]);
    for (const path of FILES[tool]) {
      assert.notEqual(installed[path], before[path], `${path} gained orc's parts`);
      assert.ok(installed[path].includes('orc'), path);
    }
    // The user's entries are all still there.
    for (const [path, text] of Object.entries(FIXTURES[tool])) {
      if (path.endsWith('.json')) {
        const mine = JSON.parse(text);
        const now = JSON.parse(installed[path]);
        for (const key of Object.keys(mine)) {
          if (key !== 'hooks' && key !== 'mcpServers')
            assert.deepEqual(now[key], mine[key], `${path} ${key}`);
        }
        for (const group of ['hooks', 'mcpServers']) {
          for (const [name, value] of Object.entries(mine[group] ?? {})) {
            if (Array.isArray(value))
              for (const entry of value)
                assert.ok(now[group][name].some((e) => JSON.stringify(e) === JSON.stringify(entry)));
            else assert.deepEqual(now[group][name], value);
          }
        }
      } else assert.ok(installed[path].startsWith(text), `${path} keeps the user's text first`);
    }

    const again = setup(dir, tool);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.json().files.every((f) => f.action === 'unchanged'));
    assert.deepEqual(snapshot(dir, FILES[tool]), installed, 'setup twice changes nothing');

    const check = setup(dir, tool, '--check');
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.json().complete, true);

    const removed = setup(dir, tool, '--remove');
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(snapshot(dir, FILES[tool]), before, 'remove gives back the files exactly');
    assert.equal(setup(dir, tool, '--check').code, 1);
  });

  test(`${tool}: in a repository without settings, setup creates the files and remove deletes them`, (t) => {
    const dir = repo(t);
    const run = setup(dir, tool);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.json().files.every((f) => f.action === 'created'));
    for (const path of FILES[tool]) assert.ok(existsSync(join(dir, path)), path);
    const removed = setup(dir, tool, '--remove');
    assert.equal(removed.code, 0, removed.stderr);
    assert.ok(removed.json().files.every((f) => f.action === 'removed'));
    for (const path of FILES[tool]) assert.equal(existsSync(join(dir, path)), false, path);
  });
}

test('claude: the installed settings hold the documented hook, MCP and instruction shapes', (t) => {
  const dir = repo(t);
  assert.equal(setup(dir, 'claude').code, 0);
  const settings = JSON.parse(readFileSync(join(dir, '.claude/settings.json'), 'utf8'));
  assert.deepEqual(settings.hooks.SessionStart, [
    { hooks: [{ type: 'command', command: 'orc hook session-start --tool claude' }] },
    { hooks: [{ type: 'command', command: 'orc prime' }] },
  ]);
  assert.deepEqual(settings.hooks.PreCompact, [{ hooks: [{ type: 'command', command: 'orc prime' }] }]);
  assert.deepEqual(settings.hooks.PreToolUse, [
    {
      matcher: 'Edit|Write|MultiEdit|NotebookEdit',
      hooks: [{ type: 'command', command: 'orc hook pre-edit --tool claude' }],
    },
  ]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, '.mcp.json'), 'utf8')), {
    mcpServers: { orc: { command: 'orc', args: ['mcp'] } },
  });
  const md = readFileSync(join(dir, 'CLAUDE.md'), 'utf8');
  assert.match(md, /^<!-- orc:begin -->\n[\s\S]*<!-- orc:end -->\n$/);
  assert.ok(md.includes(AGENTS_SECTION));
});

test('codex: the MCP server is a marked [mcp_servers.orc] block appended to config.toml', (t) => {
  const dir = repo(t, { '.codex/config.toml': 'model = "o3"\n' });
  assert.equal(setup(dir, 'codex').code, 0);
  assert.equal(
    readFileSync(join(dir, '.codex/config.toml'), 'utf8'),
    'model = "o3"\n\n# orc:begin\n# Managed by `orc setup codex`; `orc setup codex --remove` takes it out.\n[mcp_servers.orc]\ncommand = "orc"\nargs = ["mcp"]\n# orc:end\n',
  );
  const hooks = JSON.parse(readFileSync(join(dir, '.codex/hooks.json'), 'utf8'));
  assert.equal(hooks.hooks.PreToolUse[0].matcher, 'apply_patch');
});

test('cursor: hooks.json gets version 1 and camelCase events; the JSON session hook replaces an older orc prime', (t) => {
  const dir = repo(t);
  assert.equal(setup(dir, 'cursor').code, 0);
  const expected = {
    version: 1,
    hooks: {
      sessionStart: [{ command: 'orc hook session-start --tool cursor' }],
      preToolUse: [{ command: 'orc hook pre-edit --tool cursor' }],
    },
  };
  assert.deepEqual(JSON.parse(readFileSync(join(dir, '.cursor/hooks.json'), 'utf8')), expected);
  // What an older orc installed: `orc prime` on sessionStart and preCompact, where Cursor reads JSON.
  const older = {
    version: 1,
    hooks: {
      sessionStart: [{ command: 'orc prime' }, { command: './mine.sh' }],
      preCompact: [{ command: 'orc prime' }],
      preToolUse: [{ command: 'orc hook pre-edit --tool cursor' }],
    },
  };
  const upgraded = repo(t, { '.cursor/hooks.json': `${JSON.stringify(older, null, 2)}\n` });
  assert.equal(setup(upgraded, 'cursor').code, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(upgraded, '.cursor/hooks.json'), 'utf8')).hooks, {
    sessionStart: [{ command: './mine.sh' }, { command: 'orc hook session-start --tool cursor' }],
    preToolUse: [{ command: 'orc hook pre-edit --tool cursor' }],
  });
  assert.equal(setup(upgraded, 'cursor', '--remove').code, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(upgraded, '.cursor/hooks.json'), 'utf8')).hooks, {
    sessionStart: [{ command: './mine.sh' }],
  });
});

test('gemini: a SessionStart hook gives the primer as JSON', (t) => {
  const dir = repo(t);
  assert.equal(setup(dir, 'gemini').code, 0);
  const settings = JSON.parse(readFileSync(join(dir, '.gemini/settings.json'), 'utf8'));
  assert.deepEqual(settings.hooks.SessionStart, [
    { hooks: [{ type: 'command', command: 'orc hook session-start --tool gemini' }] },
  ]);
});

test('a server of the user named "orc" is a conflict: exit 4, nothing written', (t) => {
  const mine = `${JSON.stringify({ mcpServers: { orc: { command: 'orca', args: [] } } }, null, 2)}\n`;
  const dir = repo(t, { '.mcp.json': mine });
  const run = setup(dir, 'claude');
  assert.equal(run.code, 4, run.stderr);
  assert.match(JSON.parse(run.stderr).error.message, /\.mcp\.json already has an MCP server named "orc"/);
  assert.equal(readFileSync(join(dir, '.mcp.json'), 'utf8'), mine);
  assert.equal(existsSync(join(dir, '.claude/settings.json')), false);
  const codex = repo(t, { '.codex/config.toml': '[mcp_servers.orc]\ncommand = "other"\n' });
  assert.equal(setup(codex, 'codex').code, 4);
});

test('a settings file that is not JSON is CORRUPT (exit 6), named, and left alone', (t) => {
  const dir = repo(t, { '.cursor/mcp.json': '{ "mcpServers": ' });
  const run = setup(dir, 'cursor');
  assert.equal(run.code, 6);
  assert.match(run.stderr, /\.cursor\/mcp\.json is not valid JSON/);
  assert.equal(readFileSync(join(dir, '.cursor/mcp.json'), 'utf8'), '{ "mcpServers": ');
});

test('bad arguments: an unknown tool, --check with --remove (exit 2)', (t) => {
  const dir = repo(t);
  const unknown = orc(['setup', 'emacs'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /must be one of claude, codex, cursor/);
  assert.equal(orc(['setup', 'claude', '--check', '--remove'], { cwd: dir }).code, 2);
});

test('setup finds the repository root from a subfolder; the human output names each part', (t) => {
  const dir = repo(t);
  mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
  const run = orc(['setup', 'claude'], { cwd: join(dir, 'src', 'deep') });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /\.claude\/settings\.json \(created\)/);
  assert.match(run.stdout, /installed PreToolUse hook: orc hook pre-edit --tool claude/);
  assert.ok(existsSync(join(dir, '.mcp.json')));
  const check = orc(['setup', 'codex', '--check'], { cwd: dir });
  assert.equal(check.code, 1);
  assert.match(check.stdout, /missing +MCP server \[mcp_servers\.orc\]/);
  assert.match(check.stdout, /incomplete: run `orc setup codex`/);
});

test('planSetup is pure: an older orc section is replaced in place, twice is a no-op', () => {
  const files = { 'AGENTS.md': '# A\n\n<!-- orc:begin -->\nold text\n<!-- orc:end -->\n\n## B\n' };
  const plan = planSetup('codex', 'install', (p) => files[p]);
  const agents = plan.files.find((f) => f.path === 'AGENTS.md');
  assert.equal(agents.action, 'updated');
  assert.ok(agents.text.startsWith('# A\n\n<!-- orc:begin -->\n## Coordination: orc'));
  assert.ok(agents.text.endsWith('<!-- orc:end -->\n\n## B\n'));
  const twice = planSetup('codex', 'install', (p) =>
    p === 'AGENTS.md' ? agents.text : plan.files.find((f) => f.path === p).text,
  );
  assert.ok(twice.files.every((f) => f.action === 'unchanged'));
  const removed = planSetup('codex', 'remove', (p) => (p === 'AGENTS.md' ? agents.text : undefined));
  assert.equal(removed.files.find((f) => f.path === 'AGENTS.md').text, '# A\n\n\n## B\n');
});

test('the README and docs/agents.md show the AGENTS.md text exactly as setup writes it', () => {
  for (const page of ['README.md', join('docs', 'agents.md')]) {
    const text = readFileSync(join(ROOT, page), 'utf8');
    assert.ok(text.includes(`\`\`\`md\n${AGENTS_SECTION}\`\`\`\n`), page);
  }
});
