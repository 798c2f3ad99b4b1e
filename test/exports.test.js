import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import * as lib from '../dist/lib/index.js';
import { ROOT } from './helpers.js';

test('the library exports this exact public API', () => {
  const expected = [
    'DEFAULT_BOARD',
    'EXIT_CODES',
    'MAX_PRIORITY',
    'MIN_PRIORITY',
    'ORC_PATHS',
    'OrcError',
    'TASK_STATUSES',
    'WORKSPACE_FORMAT',
    'RUN_STATUSES',
    'STEP_STATUSES',
    'acquireLock',
    'checkKnowledgeName',
    'countRecalls',
    'renderBrief',
    'stepKnowledge',
    'embedTexts',
    'knowledgePassages',
    'listKnowledge',
    'readKnowledge',
    'reindexKnowledge',
    'removeKnowledge',
    'searchKnowledge',
    'writeKnowledge',
    'createHttpServer',
    'startServer',
    'startRun',
    'createMcpServer',
    'mcpToolSet',
    'serveMcp',
    'listMemories',
    'pruneMemories',
    'relevance',
    'consolidateRun',
    'extractiveSummary',
    'runNotePath',
    'demoteRule',
    'findPromotions',
    'promotePattern',
    'reflect',
    'rejectPromotion',
    'addPolicy',
    'forbiddenAssignments',
    'getPolicy',
    'listPolicies',
    'matchingPolicies',
    'removePolicy',
    'approveStep',
    'buildStepBrief',
    'cancelRun',
    'chatComplete',
    'checkOrchestratorConfig',
    'choosePlan',
    'claimCycleTask',
    'collectCycle',
    'createRun',
    'currentCycle',
    'executeRun',
    'findFlow',
    'getRun',
    'listRuns',
    'loadOrchestratorConfig',
    'parsePlanJson',
    'planCycle',
    'planFromFlow',
    'planOffline',
    'planWithLlm',
    'rejectStep',
    'resolveGate',
    'resolveRunId',
    'startCycle',
    'validatePlan',
    'addTask',
    'archiveWorkstream',
    'cancelTask',
    'claimTask',
    'completeTask',
    'createWorkstream',
    'failTask',
    'findCycles',
    'findWorkspace',
    'formatAge',
    'getAgent',
    'getTask',
    'getWorkstream',
    'heartbeatAgent',
    'claimExpiry',
    'foldPresence',
    'addTaskNote',
    'primeAgent',
    'renderPrime',
    'initWorkspace',
    'isReady',
    'listAgents',
    'listLocks',
    'listTasks',
    'listWorkstreams',
    'loadBoardSettings',
    'logEvent',
    'mergeEventLines',
    'mergeList',
    'mergeRecord',
    'mergeTask',
    'nextTask',
    'parseDuration',
    'parseSince',
    'readEvents',
    'readEventsFrom',
    'registerAgent',
    'releaseLock',
    'releaseTask',
    'reopenTask',
    'resolveTaskId',
    'runDoctor',
    'setupGit',
    'statusSummary',
    'syncWorkspace',
    'unregisterAgent',
    'updateTask',
    'updateWorkstream',
    'workspaceAt',
  ];
  for (const name of expected) assert.ok(name in lib, `${name} is exported`);
});

test('the package can be imported by name and required by name', () => {
  const esm = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', "import { addTask } from 'orc'; console.log(typeof addTask)"],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  assert.equal(esm.stdout.trim(), 'function', esm.stderr);
  const cjs = spawnSync(
    process.execPath,
    ['-e', "const orc = require('orc'); console.log(typeof orc.nextTask, typeof orc.OrcError)"],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  assert.equal(cjs.stdout.trim(), 'function function', cjs.stderr);
  assert.doesNotMatch(cjs.stderr, /Warning/);
});

test('npm pack ships the compiled library, the binary, types and the README, and no tests', () => {
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
    'package.json',
  ]) {
    assert.ok(files.includes(path), `${path} is packed`);
  }
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('lib/')), 'no sources or tests');
});
