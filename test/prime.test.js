// `orc prime`: the primer for an agent's session start, its facts as JSON, and its size on a big board.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mentionsOrcMcp } from '../dist/lib/board/index.js';
import { orderTask } from '../dist/lib/records/index.js';
import { formatJson } from '../dist/lib/storage/index.js';
import { orc, orcJson, tempWorkspace } from './helpers.js';

/** Writes `count` open tasks straight into state/tasks (as a merge would), with long titles. */
function populate(dir, count) {
  const first = Date.parse('2030-01-01T00:00:00.000Z');
  for (let i = 0; i < count; i++) {
    const id = `t-${String(i).padStart(12, '0')}`;
    const at = new Date(first + i).toISOString();
    const task = orderTask({
      v: 1,
      id,
      workstream: 'build',
      title: `generated task ${i} `.padEnd(200, 'x'),
      description: 'd'.repeat(2000),
      priority: 1 + (i % 9),
      status: 'open',
      tags: [],
      deps: [],
      claim: null,
      attempts: 0,
      result: null,
      reason: null,
      createdBy: 'test',
      createdAt: at,
      updatedAt: at,
    });
    writeFileSync(join(dir, 'state', 'tasks', `${id}.json`), formatJson(task));
  }
}

function bigBoard(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'ada']);
  populate(dir, 1000);
  const urgent = orcJson(dir, ['t', 'add', 'build', 'the urgent one', 'do it first', '0']);
  const mine = orcJson(dir, ['t', 'next', 'ada']);
  const second = orcJson(dir, ['t', 'next', 'ada', '--another']);
  orcJson(dir, ['lock', 'acquire', 'src/parser.ts', 'ada']);
  return { dir, urgent, mine, second };
}

const tokens = (text) => text.length / 4;

test('prime on 1,000 tasks: who, claims with their leases, the next ready tasks, locks, protocol; compact', (t) => {
  const { dir, urgent, mine, second } = bigBoard(t);
  assert.equal(mine.id, urgent.id);
  const run = orc(['--dir', dir, 'prime', '--agent', 'ada']);
  assert.equal(run.code, 0, run.stderr);
  const text = run.stdout;
  assert.match(text, /- who: \*\*ada\*\*/);
  assert.match(
    text,
    new RegExp(`- ${mine.id} "the urgent one" \\(build\\), lease until \\S+, token ${mine.claim.token}`),
  );
  assert.match(text, new RegExp(`- ${second.id} "generated task \\d+ x+…" \\(build\\)`));
  assert.match(text, /## Your locks\n- "src\/parser.ts" until/);
  assert.match(
    text,
    /## Ready tasks \(999 in all, in the order you would get them\)\n(- t-\d+ p1 build: generated task \d+ .*\n){5}/,
  );
  assert.match(text, /t next ada --brief/);
  assert.match(text, /a heartbeat ada` at least every 30m/);
  assert.match(text, /t complete <id> "<result>" --agent ada/);
  assert.ok(tokens(text) < 1500, `prime is ${tokens(text)} tokens`);

  const facts = orcJson(dir, ['prime'], { env: { ORC_AGENT: 'ada' } });
  assert.equal(facts.agent, 'ada');
  assert.deepEqual(
    facts.claims.map((c) => [c.id, c.lease]).sort(),
    [
      [mine.id, 'live'],
      [second.id, 'live'],
    ].sort(),
  );
  assert.equal(facts.readyCount, 999);
  assert.equal(facts.ready.length, 5);
  assert.ok(facts.ready.every((r) => r.priority === 1));
  assert.deepEqual(
    facts.locks.map((l) => l.resource),
    ['src/parser.ts'],
  );
  assert.deepEqual(facts.mcp, []);

  // With orc's MCP server configured for the agent tool, the protocol names its tools, and is shorter.
  writeFileSync(
    join(dir, '.mcp.json'),
    JSON.stringify({ mcpServers: { orc: { command: 'orc', args: ['mcp'] } } }),
  );
  const viaMcp = orc(['--dir', dir, 'prime', '--agent', 'ada']).stdout;
  assert.match(viaMcp, /orc's MCP server is configured \(\.mcp\.json\): use its tools/);
  assert.match(viaMcp, /`task_next` \{agent: "ada"\}/);
  assert.ok(viaMcp.length < text.length, `${viaMcp.length} < ${text.length}`);
});

test('prime without an agent says how to name one; an unregistered agent is told to register', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const anon = orc(['--dir', dir, 'prime']);
  assert.equal(anon.code, 0);
  assert.match(anon.stdout, /who: unknown\. Set ORC_AGENT=<your id>/);
  assert.match(anon.stdout, /t next <agent> --brief/);
  const fresh = orc(['--dir', dir, 'prime'], { env: { ORC_AGENT: 'newbie' } });
  assert.match(fresh.stdout, /who: \*\*newbie\*\* \(not registered: `.* a register newbie`\)/);
  assert.equal(orc(['--dir', dir, 'prime', '--agent', '']).code, 2);
  assert.match(orc(['--dir', dir, 'prime', '--agent', 'a`b']).stderr, /agent "a`b" is not a valid name/);
});

test('prime with no --agent primes the agent `t next` would claim for: a Codex session with no ORC_AGENT', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const env = { CODEX_THREAD_ID: '0199a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b' };
  const who = orcJson(dir, ['whoami'], { env });
  assert.equal(who.source, 'CODEX_THREAD_ID');
  const facts = orcJson(dir, ['prime'], { env });
  assert.equal(facts.agent, who.agent);
  assert.equal(orcJson(dir, ['prime'], { env: { ...env, ORC_AGENT: 'ada' } }).agent, 'ada');
});

test("mentionsOrcMcp finds orc's MCP server in Claude Code, Cursor and Codex settings", () => {
  const claude = JSON.stringify({ mcpServers: { orc: { command: 'orc', args: ['mcp'] } } }, null, 2);
  const cursor = JSON.stringify({ mcpServers: { orc: { command: 'npx', args: ['orc', 'mcp'] } } });
  const codex = '[mcp_servers.orc]\ncommand = "orc"\nargs = ["mcp", "--tools", "core"]\n';
  const shell = '{"mcpServers":{"o":{"command":"sh","args":["-c","orc mcp"]}}}';
  for (const text of [claude, cursor, codex, shell]) assert.ok(mentionsOrcMcp(text), text);
  const other = JSON.stringify({ mcpServers: { fs: { command: 'mcp-fs', args: ['--orc'] } } });
  assert.equal(mentionsOrcMcp(other), false);
});

test('prime lists the board for its agent in `t next` order: reserved tasks of others left out', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'ada', '--capabilities', 'ts']);
  orcJson(dir, ['t', 'add', 'build', 'for bob', 'reserved', '0', '--tag', 'for:bob']);
  const plain = orcJson(dir, ['t', 'add', 'build', 'plain', 'no tags', '2']);
  const tagged = orcJson(dir, ['t', 'add', 'build', 'typescript', 'tagged', '2', '--tag', 'ts']);
  const facts = orcJson(dir, ['prime', '--agent', 'ada']);
  assert.deepEqual(
    facts.ready.map((r) => r.id),
    [tagged.id, plain.id],
  );
  assert.equal(orcJson(dir, ['t', 'next', 'ada']).id, facts.ready[0].id);
});
