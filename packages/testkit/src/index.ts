export { type ManualClock, manualClock, sequentialIds } from "./clock.js";
export {
  CONFORMANCE_CHECKS,
  type ConcurrentRun,
  type ConformanceCheck,
  type ConformanceContext,
  type ConformanceEnv,
  type ConformanceOptions,
  type ConformanceResult,
  ConformanceSkip,
  type ConformanceSubject,
  type HandlerFactory,
  type ReportedFailure,
  runConformanceCheck,
} from "./conformance-checks.js";
export { type ConsoleCapture, captureConsole } from "./console-capture.js";
export {
  type ChatCompletionBody,
  type FakeOpenAI,
  type FakeOpenAIOptions,
  type FakeReply,
  type FakeScript,
  type FakeToolCall,
  type FakeUsage,
  hasToolResult,
  lastUserMessage,
  type RecordedRequest,
  splitIntoChunks,
  startFakeOpenAI,
} from "./fake-openai.js";
export { InProcessChatModel, type InProcessChatModelOptions } from "./in-process-model.js";
export { fakeChatOpenAI, TEST_API_KEY } from "./models.js";
export {
  EventRecorder,
  NoopCallbackHandler,
  type RecordedEvent,
  type RecordedEventName,
} from "./recorder.js";
export { type RedisServer, startRedis } from "./redis-server.js";
export {
  FIXED_DOCUMENTS,
  FixedRetriever,
  promptChain,
  retrievalChain,
  weatherAgent,
  weatherAgentScript,
  weatherTool,
} from "./workloads.js";
