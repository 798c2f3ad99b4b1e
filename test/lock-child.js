// A process of the workspace-lock tests: `node test/lock-child.js '<json>'` plays one role against a
// workspace and prints one JSON line saying how it ended. Roles:
// - hold: a mutation whose section spins (synchronously: no timer of the lock can run) until the
//   file `go` exists, then writes `state/workstreams/held.json` and a `test.held` event;
// - mutate: a mutation that appends a `test.mutated` event named `name`;
// - claim: `count` claims by `agent`; beat: `count` heartbeats of `agent`.
// `staleMs` shortens the lock's stale time and `host` makes the locks look held from another host.
import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { findWorkspace, heartbeatAgent, nextTask } from '../dist/lib/index.js';
import { lockTestHooks } from '../dist/lib/storage/lock-owner.js';
import { mutate } from '../dist/lib/storage/mutation.js';

const spec = JSON.parse(process.argv[2]);
if (spec.staleMs) lockTestHooks.staleMs = spec.staleMs;
if (spec.host) lockTestHooks.host = spec.host;
const ws = findWorkspace({ dir: spec.dir });
const say = (value) => writeSync(1, `${JSON.stringify(value)}\n`);

async function play() {
  if (spec.role === 'hold') {
    await mutate(ws, 'holder', (m) => {
      say({ holding: true });
      const until = Date.now() + 60_000;
      while (!existsSync(spec.go) && Date.now() < until) {
        // Spinning, like a long synchronous section (doctor at 100k tasks): the event loop is blocked.
      }
      m.writeJson(join(spec.dir, 'state/workstreams/held.json'), { v: 1 });
      m.emit('test.held', 'held');
    });
    return { ok: true };
  }
  if (spec.role === 'mutate') {
    await mutate(ws, spec.name, (m) => m.emit('test.mutated', spec.name));
    return { ok: true };
  }
  let busy = 0;
  const done = [];
  for (let i = 0; i < spec.count; i++) {
    try {
      if (spec.role === 'claim') {
        const task = await nextTask(ws, { agent: spec.agent, another: true });
        if (task) done.push(task.id);
      } else {
        await heartbeatAgent(ws, spec.agent);
        done.push(i);
      }
    } catch (error) {
      if (error.code !== 'BUSY') throw error;
      busy++;
    }
  }
  return { done, busy };
}

try {
  say(await play());
} catch (error) {
  say({ error: error.code ?? 'ERROR', message: error.message });
}
