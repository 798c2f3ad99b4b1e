// The operations table: what every front end calls. In process, no disk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operations, parseInput, requiredFields } from '../dist/lib/operations/index.js';
import { loadZod } from '../dist/lib/records/index.js';

test('requiredFields reads what zod requires from each schema, so an empty input skips zod rightly', () => {
  const z = loadZod();
  for (const [name, op] of Object.entries(operations)) {
    const shape = op.fields(z);
    const zodRequired = Object.keys(shape).filter((field) => !shape[field].isOptional());
    assert.deepEqual(requiredFields(op), zodRequired, name);
  }
});

test('parseInput: an empty input to an operation that needs a field is refused naming it', () => {
  assert.deepEqual(parseInput(operations.listTasks, {}), {});
  assert.deepEqual(parseInput(operations.listTasks, { status: undefined, tag: null }), {});
  assert.throws(
    () => parseInput(operations.getTask, {}),
    (error) =>
      error.code === 'INVALID_INPUT' && error.details.field === 'id' && /id is missing/.test(error.message),
  );
  assert.throws(
    () => parseInput(operations.listTasks, { colour: 'red' }),
    (error) =>
      error.details.field === 'colour' && /unknown field "colour"; expected: workstream/.test(error.message),
  );
  assert.throws(() => parseInput(operations.listTasks, []), /the input must be an object of fields/);
});
