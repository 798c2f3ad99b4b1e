import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as lib from '../dist/lib/index.js';
import { ROOT } from './helpers.js';

test('the library exports this exact public API, which docs/library.md lists', () => {
  const expected = [
    'DEFAULT_BOARD',
    'EXIT_CODES',
    'MAX_PRIORITY',
    'MIN_PRIORITY',
    'ORC_PATHS',
    'OrcError',
    'RUN_STATUSES',
    'STEP_STATUSES',
    'TASK_STATUSES',
    'WORKSPACE_FORMAT',
    'acquireLock',
    'addPolicy',
    'addTask',
    'addTaskNote',
    'approveStep',
    'archiveWorkstream',
    'buildStepBrief',
    'cancelRun',
    'cancelTask',
    'chatComplete',
    'checkOrchestratorConfig',
    'choosePlan',
    'claimCycleTask',
    'claimExpiry',
    'claimTask',
    'collectCycle',
    'completeTask',
    'consolidateRun',
    'createHttpServer',
    'createMcpServer',
    'createRun',
    'createWorkstream',
    'decideGate',
    'demoteRule',
    'executeRun',
    'failTask',
    'findWorkspace',
    'foldPresence',
    'getAgent',
    'getCurrentCycle',
    'getPolicy',
    'getReflection',
    'getRun',
    'getTask',
    'getWorkstream',
    'heartbeatAgent',
    'initWorkspace',
    'knowledgePassages',
    'listAgents',
    'listKnowledge',
    'listLocks',
    'listMemories',
    'listPolicies',
    'listRuns',
    'listTasks',
    'listWorkstreams',
    'loadBoardSettings',
    'loadOrchestratorConfig',
    'logEvent',
    'mcpToolSet',
    'nextTask',
    'operations',
    'parseDuration',
    'parseInput',
    'parseSince',
    'planCycle',
    'planFromFlow',
    'planOffline',
    'planRun',
    'planWithLlm',
    'primeAgent',
    'promotePattern',
    'pruneMemories',
    'readEvents',
    'readEventsFrom',
    'readKnowledge',
    'registerAgent',
    'reindexKnowledge',
    'rejectPromotion',
    'rejectStep',
    'releaseLock',
    'releaseTask',
    'removeKnowledge',
    'removePolicy',
    'renderBrief',
    'renderPrime',
    'reopenTask',
    'runDoctor',
    'runOperation',
    'searchKnowledge',
    'serveMcp',
    'setupGit',
    'startCycle',
    'startRun',
    'startServer',
    'startWorker',
    'statusSummary',
    'syncWorkspace',
    'unregisterAgent',
    'updateTask',
    'updateWorkstream',
    'validatePlan',
    'workspaceAt',
    'writeKnowledge',
  ];
  assert.deepEqual(Object.keys(lib).sort(), expected);
  // The library's page (docs/library.md) names every function, and no function that is not exported.
  const section = readFileSync(join(ROOT, 'docs', 'library.md'), 'utf8');
  for (const name of expected)
    assert.match(section, new RegExp(`\\b${name}\\b`), `docs/library.md names ${name}`);
  const table = section
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .join('\n');
  for (const [, name] of table.matchAll(/`([a-z][A-Za-z]+)[(`]/g))
    assert.ok(name in lib, `docs/library.md's table names ${name}, which is not exported`);
});

test('the package can be imported by name and required by name', () => {
  const esm = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', "import { addTask } from 'orc-agents'; console.log(typeof addTask)"],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  assert.equal(esm.stdout.trim(), 'function', esm.stderr);
  const cjs = spawnSync(
    process.execPath,
    ['-e', "const orc = require('orc-agents'); console.log(typeof orc.nextTask, typeof orc.OrcError)"],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  assert.equal(cjs.stdout.trim(), 'function function', cjs.stderr);
  assert.doesNotMatch(cjs.stderr, /Warning/);
});

test('npm pack ships the compiled library, the binary, types, the README and its docs pages, and no tests', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const path of [
    'dist/bin/orc.js',
    'dist/lib/index.js',
    'dist/lib/index.d.ts',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'docs/commands.md',
    'package.json',
  ]) {
    assert.ok(files.includes(path), `${path} is packed`);
  }
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('lib/')), 'no sources or tests');
  assert.ok(!files.includes('docs/dashboard.png'), 'the README links its pages; the screenshot stays in git');
});
