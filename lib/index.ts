/**
 * orc's library: everything the `orc` command does, as typed functions. Every mutation takes the
 * workspace lock, validates, writes atomically and appends its event; errors are `OrcError`s with
 * a stable `code`.
 */
export {
  type Agent,
  type AgentView,
  type RegisterAgentInput,
  getAgent,
  listAgents,
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
export { type ConsolidationResult, consolidateRun, extractiveSummary, runNotePath } from './memory/index.js';
export {
  type Cycle,
  type CyclePlan,
  type CycleResults,
  type PlannedTask,
  claimCycleTask,
  collectCycle,
  currentCycle,
  planCycle,
  startCycle,
} from './board/index.js';
export { type DoctorProblem, type DoctorReport, findCycles, runDoctor } from './doctor/index.js';
export { formatAge, parseDuration, parseSince } from './shared/index.js';
export { type ErrorCode, EXIT_CODES, OrcError } from './shared/index.js';
export {
  type CorruptLine,
  type EventFilter,
  type EventsRead,
  type OrcEvent,
  readEvents,
  readEventsFrom,
} from './storage/index.js';
export {
  type AcquireLockOptions,
  type Lock,
  type ReleaseLockOptions,
  acquireLock,
  listLocks,
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
export { type Memory, listMemories, pruneMemories, relevance } from './memory/index.js';
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
  readKnowledge,
  reindexKnowledge,
  removeKnowledge,
  searchKnowledge,
  writeKnowledge,
} from './knowledge/index.js';
export { checkKnowledgeName } from './knowledge/index.js';
export {
  type Brief,
  type BriefOptions,
  countRecalls,
  renderBrief,
  stepKnowledge,
} from './knowledge/index.js';
export { type Prime, type PrimeOptions, primeAgent, renderPrime } from './board/index.js';
export type { KnowledgeSettings, SearchMode } from './config/index.js';
export { embedTexts } from './llm/index.js';
export { type LogEventInput, logEvent } from './board/index.js';
export { type EventMerge, mergeEventLines, mergeList, mergeRecord, mergeTask } from './records/index.js';
export { type ActorOptions, resolveTaskId } from './storage/index.js';
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
  findFlow,
  parsePlanJson,
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
  forbiddenAssignments,
  getPolicy,
  listPolicies,
  matchingPolicies,
  removePolicy,
} from './runs/index.js';
export {
  type DemotionCandidate,
  type Promotion,
  type ReflectionReport,
  demoteRule,
  findPromotions,
  promotePattern,
  reflect,
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
export { type CreateRunInput, createRun, getRun, listRuns, resolveGate, resolveRunId } from './runs/index.js';
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
  isReady,
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
  getWorkstream,
  listWorkstreams,
  updateWorkstream,
} from './board/index.js';
