import { ChainwatchCallbackHandler, type ChainwatchHandlerOptions } from "@chainwatch/core";
import type { SoakSubject } from "./soak-subjects.js";

/** The least a core-based handler does: track LLM and chain runs, drop them at end or error. */
export class ReferenceHandler extends ChainwatchCallbackHandler<null> {
  name = "core_reference";
  constructor(options: ChainwatchHandlerOptions) {
    super("core_reference", options);
  }
  override handleChatModelStart(
    llm: unknown,
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: unknown,
    tags?: string[],
    metadata?: Record<string, unknown>,
  ) {
    this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, undefined, null);
  }
  override handleChainStart(
    chain: unknown,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
  ) {
    this.trackStart("chain", chain, runId, parentRunId, tags, metadata, undefined, null);
  }
  override handleLLMEnd(_output: unknown, runId: string) {
    this.runs.end(runId);
  }
  override handleLLMError(_error: unknown, runId: string) {
    this.runs.end(runId);
  }
  override handleChainEnd(_outputs: unknown, runId: string) {
    this.runs.end(runId);
  }
  override handleChainError(_error: unknown, runId: string) {
    this.runs.end(runId);
  }
}

/** The reference handler as a soak/fault subject: what every chainwatch handler is measured beside. */
export const referenceSubject: SoakSubject = {
  name: "core reference handler",
  make: (clock, ttlMs) => {
    const handler = new ReferenceHandler({ runs: { now: clock.now, ttlMs, inFlightTtlMs: ttlMs } });
    return { callbacks: [handler], activeRuns: () => handler.activeRunCount };
  },
};
