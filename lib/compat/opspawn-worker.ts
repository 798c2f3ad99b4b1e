import { runAsWorker } from 'synckit';
import { type OperationName, operations, runOperation } from '../operations/index.js';
import { type OrcError, describeError } from '../shared/index.js';
import { findWorkspace } from '../storage/index.js';

/*
 * The worker thread behind the synchronous OpSpawn API (opspawn.ts): it runs one of orc's operations
 * and answers. The caller blocks on the answer (synckit), so each call is one operation, in order.
 */

/** One call: which operation, its input, and where the workspace is. */
export interface OpSpawnCall {
  op: OperationName;
  input: Record<string, unknown>;
  /** The workspace folder given to `open(dir)`; else the one found from `cwd`, as the CLI finds it. */
  dir?: string;
  cwd: string;
  actor?: string;
}

/** The answer: a value, or an OrcError's parts (an Error does not cross threads with its code). */
export type OpSpawnAnswer =
  | { ok: true; value: unknown }
  | { ok: false; code: OrcError['code']; message: string; details?: Record<string, unknown> };

async function answer(call: OpSpawnCall): Promise<OpSpawnAnswer> {
  try {
    const ws = findWorkspace({ dir: call.dir, cwd: call.cwd });
    const op = operations[call.op];
    const value = await runOperation(
      op as (typeof operations)['getTask'],
      { ws, actor: call.actor },
      call.input,
    );
    // Through JSON: records are plain data, and structured clone would keep class instances' quirks.
    return { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
  } catch (error) {
    return { ok: false, ...describeError(error) };
  }
}

runAsWorker(answer);
