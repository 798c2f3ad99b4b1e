/**
 * orc's library: everything the `orc` command does, as typed functions. Every mutation takes the
 * workspace lock, validates, writes atomically and appends its event; errors are `OrcError`s with
 * a stable `code`.
 */
import { libraryReads } from './app/index.js';

export {
  type Agent,
  type AgentView,
  type RegisterAgentInput,
  registerAgent,
} from './board/index.js';
export {
  type ClaimOptions,
  type HeartbeatResult,
  type HolderOptions,
  type NextTaskOptions,
  type FoldedRenewal,
  claimExpiry,
  claimTask,
  completeTask,
  failTask,
  foldPresence,
  heartbeatAgent,
  nextTask,
  releaseTask,
  unregisterAgent,
} from './board/index.js';
export { type BoardSettings, DEFAULT_BOARD, loadBoardSettings } from './config/index.js';
export { type ConsolidationResult, consolidateRun } from './memory/index.js';
export {
  type Cycle,
  type CyclePlan,
  type CycleResults,
  type PlannedTask,
  claimCycleTask,
  collectCycle,
  planCycle,
  startCycle,
} from './board/index.js';
export { type DoctorProblem, type DoctorReport, runDoctor } from './doctor/index.js';
export { parseDuration, parseSince } from './shared/index.js';
export { type ErrorCode, EXIT_CODES, OrcError } from './shared/index.js';
export type {
  CorruptLine,
  EventFilter,
  EventsRead,
  OrcEvent,
} from './storage/index.js';
export {
  type AcquireLockOptions,
  type Lock,
  type ReleaseLockOptions,
  acquireLock,
  releaseLock,
} from './board/index.js';
export {
  type GitSetupResult,
  ORC_PATHS,
  type SyncOptions,
  type SyncResult,
  setupGit,
  syncWorkspace,
} from './git/index.js';
export {
  type HttpServerOptions,
  type RunningServer,
  type StartServerOptions,
  createHttpServer,
  startServer,
} from './interfaces/index.js';
export { type ChatMessage, type ChatOptions, chatComplete } from './llm/index.js';
export { type Memory, pruneMemories } from './memory/index.js';
export { type McpServerOptions, createMcpServer, mcpToolSet, serveMcp } from './interfaces/index.js';
export {
  type KnowledgeEntry,
  type KnowledgeHit,
  type KnowledgePassage,
  type SearchOptions,
  type SearchResult,
  type WriteKnowledgeOptions,
  knowledgePassages,
  listKnowledge,
  reindexKnowledge,
  removeKnowledge,
  searchKnowledge,
  writeKnowledge,
} from './knowledge/index.js';
export {
  type Brief,
  type BriefOptions,
  renderBrief,
} from './knowledge/index.js';
export { type Prime, type PrimeOptions, primeAgent, renderPrime } from './board/index.js';
export type { KnowledgeSettings, SearchMode } from './config/index.js';
export { type LogEventInput, logEvent } from './board/index.js';
export type { ActorOptions } from './storage/index.js';
export {
  type AgentConfig,
  type AgentKind,
  type FlowConfig,
  type FlowStepConfig,
  type OrchestratorConfig,
  type ProviderConfig,
  checkOrchestratorConfig,
  loadOrchestratorConfig,
} from './config/index.js';
export {
  type ChoosePlanOptions,
  type Plan,
  type PlanCheck,
  type PlanWithLlmOptions,
  type PlannedStep,
  choosePlan,
  planFromFlow,
  planOffline,
  planWithLlm,
  validatePlan,
} from './runs/index.js';
export {
  type AddPolicyInput,
  type PolicyMatch,
  type PolicyRule,
  addPolicy,
  removePolicy,
} from './runs/index.js';
export {
  type DemotionCandidate,
  type Promotion,
  type ReflectionReport,
  demoteRule,
  promotePattern,
  rejectPromotion,
} from './memory/index.js';
export { type ExecuteRunOptions, executeRun } from './execution/index.js';
export { type StartRunInput, type StartRunOptions, startRun } from './app/index.js';
export {
  RUN_STATUSES,
  type Run,
  type RunStatus,
  type RunStep,
  STEP_STATUSES,
  type StepGate,
  type StepStatus,
} from './records/index.js';
export { type DecisionOptions, approveStep, cancelRun, rejectStep } from './runs/index.js';
export { type CreateRunInput, createRun } from './runs/index.js';
export { buildStepBrief } from './runs/index.js';
export {
  type ClaimSummary,
  type StatusSummary,
  type WorkstreamSummary,
  statusSummary,
} from './board/index.js';
export { type LostClaim, type TaskNote, MAX_PRIORITY, MIN_PRIORITY, TASK_STATUSES } from './records/index.js';
export {
  type AddTaskInput,
  type Claim,
  type Task,
  type TaskFilter,
  type TaskStatus,
  type TaskNoteOptions,
  type UpdateTaskInput,
  addTask,
  addTaskNote,
  cancelTask,
  getTask,
  listTasks,
  reopenTask,
  updateTask,
} from './board/index.js';
export {
  type FindWorkspaceOptions,
  type InitResult,
  type Workspace,
  WORKSPACE_FORMAT,
  findWorkspace,
  initWorkspace,
  workspaceAt,
} from './storage/index.js';
export {
  type CreateWorkstreamInput,
  type UpdateWorkstreamInput,
  type Workstream,
  archiveWorkstream,
  createWorkstream,
  updateWorkstream,
} from './board/index.js';
export const {
  getAgent,
  listAgents,
  listLocks,
  getWorkstream,
  listWorkstreams,
  getCurrentCycle,
  getRun,
  listRuns,
  getPolicy,
  listPolicies,
  listMemories,
  getReflection,
  readKnowledge,
  readEvents,
  readEventsFrom,
} = libraryReads;
export { type GateDecision, decideGate, planRun } from './app/index.js';
export { type RunningWorker, type WorkerOptions, startWorker } from './execution/index.js';
export {
  type InputOf,
  type Operation,
  type OperationContext,
  type OperationName,
  type Operations,
  operations,
  parseInput,
  runOperation,
} from './operations/index.js';
