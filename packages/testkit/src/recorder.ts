import { BaseCallbackHandler, type BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";

/** Name of a callback event, as LangChain calls the method. */
export type RecordedEventName =
  | "handleLLMStart"
  | "handleChatModelStart"
  | "handleLLMNewToken"
  | "handleLLMEnd"
  | "handleLLMError"
  | "handleChainStart"
  | "handleChainEnd"
  | "handleChainError"
  | "handleToolStart"
  | "handleToolEnd"
  | "handleToolError"
  | "handleRetrieverStart"
  | "handleRetrieverEnd"
  | "handleRetrieverError"
  | "handleAgentAction"
  | "handleAgentEnd"
  | "handleText"
  | "handleCustomEvent";

/** One callback as a handler received it. */
export interface RecordedEvent {
  event: RecordedEventName;
  runId: string | undefined;
  parentRunId: string | undefined;
  /** Every argument, exactly as passed (runtime order, not the type declaration's). */
  args: unknown[];
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * A handler that records every callback it receives, with the run ids in place, for tests that need to know
 * what LangChain sent.
 */
export class EventRecorder extends BaseCallbackHandler {
  name = "event_recorder";
  readonly events: RecordedEvent[] = [];

  constructor(input?: BaseCallbackHandlerInput) {
    super(input);
  }

  /** Events of one kind. */
  of(event: RecordedEventName): RecordedEvent[] {
    return this.events.filter((recorded) => recorded.event === event);
  }

  /** The streamed tokens of a run (or of all runs), in order. */
  tokens(runId?: string): string[] {
    return this.of("handleLLMNewToken")
      .filter((recorded) => runId === undefined || recorded.runId === runId)
      .map((recorded) => String(recorded.args[0]));
  }

  private record(
    event: RecordedEventName,
    runIdIndex: number,
    parentIndex: number | undefined,
    args: unknown[],
  ) {
    this.events.push({
      event,
      runId: str(args[runIdIndex]),
      parentRunId: parentIndex === undefined ? undefined : str(args[parentIndex]),
      args,
    });
  }

  override handleLLMStart(...args: unknown[]) {
    this.record("handleLLMStart", 2, 3, args);
  }
  override handleChatModelStart(...args: unknown[]) {
    this.record("handleChatModelStart", 2, 3, args);
  }
  override handleLLMNewToken(...args: unknown[]) {
    this.record("handleLLMNewToken", 2, 3, args);
  }
  override handleLLMEnd(...args: unknown[]) {
    this.record("handleLLMEnd", 1, 2, args);
  }
  override handleLLMError(...args: unknown[]) {
    this.record("handleLLMError", 1, 2, args);
  }
  override handleChainStart(...args: unknown[]) {
    this.record("handleChainStart", 2, 3, args);
  }
  override handleChainEnd(...args: unknown[]) {
    this.record("handleChainEnd", 1, 2, args);
  }
  override handleChainError(...args: unknown[]) {
    this.record("handleChainError", 1, 2, args);
  }
  override handleToolStart(...args: unknown[]) {
    this.record("handleToolStart", 2, 3, args);
  }
  override handleToolEnd(...args: unknown[]) {
    this.record("handleToolEnd", 1, 2, args);
  }
  override handleToolError(...args: unknown[]) {
    this.record("handleToolError", 1, 2, args);
  }
  override handleRetrieverStart(...args: unknown[]) {
    this.record("handleRetrieverStart", 2, 3, args);
  }
  override handleRetrieverEnd(...args: unknown[]) {
    this.record("handleRetrieverEnd", 1, 2, args);
  }
  override handleRetrieverError(...args: unknown[]) {
    this.record("handleRetrieverError", 1, 2, args);
  }
  override handleAgentAction(...args: unknown[]) {
    this.record("handleAgentAction", 1, 2, args);
  }
  override handleAgentEnd(...args: unknown[]) {
    this.record("handleAgentEnd", 1, 2, args);
  }
  override handleText(...args: unknown[]) {
    this.record("handleText", 1, 2, args);
  }
  override handleCustomEvent(...args: unknown[]) {
    this.record("handleCustomEvent", 2, undefined, args);
  }
}

/**
 * A handler that defines the hot callbacks and does nothing in them: the floor of LangChain's own dispatch cost,
 * the baseline every benchmark compares against.
 */
export class NoopCallbackHandler extends BaseCallbackHandler {
  name = "noop";
  override handleLLMStart() {}
  override handleChatModelStart() {}
  override handleLLMNewToken() {}
  override handleLLMEnd() {}
  override handleLLMError() {}
  override handleChainStart() {}
  override handleChainEnd() {}
  override handleChainError() {}
  override handleToolStart() {}
  override handleToolEnd() {}
  override handleToolError() {}
  override handleRetrieverStart() {}
  override handleRetrieverEnd() {}
  override handleRetrieverError() {}
}
