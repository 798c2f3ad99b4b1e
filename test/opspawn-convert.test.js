// The pure core of `orc import`, in process: OpSpawn entries to orc records, or skips with reasons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertEventLine, convertOpSpawn, taskIdOf } from '../dist/lib/compat/index.js';

const NOW = new Date('2026-02-06T08:00:00.000Z');
const OPTIONS = {
  now: NOW,
  claimTtlMs: 30 * 60_000,
  actor: 'importer',
  checkKnowledgeName: (n) => `${n}.md`,
};
const source = (state, eventLines = [], knowledge = []) => ({
  dir: '/x',
  state,
  eventLines,
  knowledge,
  unreadable: [],
});

test('an event line keeps its time, actor and fields; its id is the same for the same line', () => {
  const line =
    '{"ts":"2026-02-06T07:37:39.745Z","agent":"agent-1","action":"task_claimed","workstream":"w","task_id":"299833bc"}';
  const event = convertEventLine(line);
  assert.deepEqual(
    { ...event, id: undefined },
    {
      id: undefined,
      ts: '2026-02-06T07:37:39.745Z',
      actor: 'agent-1',
      type: 'task_claimed',
      subject: 't-299833bc',
      data: { workstream: 'w', task_id: '299833bc' },
    },
  );
  assert.equal(convertEventLine(line).id, event.id);
  assert.notEqual(convertEventLine(line.replace('745Z', '746Z')).id, event.id);
  assert.equal(taskIdOf('ABCD1234'), 't-abcd1234');
});

test('task statuses map to orc’s; an in-progress task keeps its claim under a lease from now', () => {
  const plan = convertOpSpawn(
    source({
      workstreams: {
        w: {
          priority: 1,
          tasks: [
            { id: 'aaaa0001', title: 'a', status: 'pending' },
            {
              id: 'aaaa0002',
              title: 'b',
              status: 'in_progress',
              assigned_to: 'agent-1',
              updated_at: '2026-02-06T07:50:00.000Z',
            },
            { id: 'aaaa0003', title: 'c', status: 'done', result: 'ok' },
            { id: 'aaaa0003', title: 'c again', status: 'done' },
          ],
        },
      },
    }),
    OPTIONS,
  );
  assert.deepEqual(
    plan.tasks.map((t) => [t.id, t.status, t.priority]),
    [
      ['t-aaaa0001', 'open', 5],
      ['t-aaaa0002', 'claimed', 5],
      ['t-aaaa0003', 'done', 5],
    ],
  );
  const claim = plan.tasks[1].claim;
  assert.deepEqual(
    [claim.agent, claim.claimedAt, claim.expiresAt],
    ['agent-1', '2026-02-06T07:50:00.000Z', '2026-02-06T08:30:00.000Z'],
  );
  assert.equal(plan.tasks[2].result, 'ok');
  assert.deepEqual(plan.skipped, [
    { kind: 'task', id: 'aaaa0003', reason: 'task id aaaa0003 appears twice' },
  ]);
});

test('a state that is not an object, and lines that are orc events already, are skipped with reasons', () => {
  const orcLine = JSON.stringify({
    id: 'e-1',
    ts: NOW.toISOString(),
    actor: 'a',
    type: 'x',
    subject: '',
    data: {},
  });
  const plan = convertOpSpawn(source([], [orcLine, '', 'garbage']), OPTIONS);
  assert.deepEqual(plan.skipped, [
    { kind: 'workstream', id: 'state.json', reason: 'is not a JSON object' },
    { kind: 'event', id: 'events.jsonl line 1', reason: 'is an orc event already' },
    { kind: 'event', id: 'events.jsonl line 3', reason: 'is not JSON' },
  ]);
});
