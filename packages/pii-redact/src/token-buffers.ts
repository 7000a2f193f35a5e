import { RunTracker, type RunTrackerOptions } from "@chainwatch/core";
import type { Redactor } from "./redactor.js";
import type { StreamRedactor, StreamRedactorOptions } from "./stream.js";

/**
 * One {@link StreamRedactor} per model run, in a core run tracker: bounded in number, and evicted when a run
 * never ends (a consumer that breaks out of a stream fires no end event).
 */
export class TokenBuffers {
  private readonly runs: RunTracker<StreamRedactor>;

  constructor(
    private readonly redactor: Redactor,
    private readonly streamOptions: StreamRedactorOptions,
    runs: Pick<RunTrackerOptions, "maxRuns" | "ttlMs" | "now"> = {},
  ) {
    this.runs = new RunTracker<StreamRedactor>({ ...runs });
    // Validates the stream options now rather than on the first token.
    redactor.stream(streamOptions);
  }

  /** Runs holding a buffer. */
  get size(): number {
    return this.runs.size;
  }

  /** A fresh buffer for a run that starts (a run id seen again starts over). */
  start(runId: string, parentRunId: unknown): void {
    this.runs.end(runId);
    this.buffer(runId, parentRunId);
  }

  /** Adds a token; returns the redacted text now safe to release. */
  push(runId: string, parentRunId: unknown, token: string): string {
    return this.buffer(runId, parentRunId).push(token);
  }

  /** Drops the run's buffer and returns what it still held, redacted. */
  end(runId: string): string {
    return this.runs.end(runId)?.state.flush() ?? "";
  }

  private buffer(runId: string, parentRunId: unknown): StreamRedactor {
    const existing = this.runs.get(runId);
    if (existing) return existing.state;
    return this.runs.start({
      runId,
      parentRunId: typeof parentRunId === "string" ? parentRunId : undefined,
      runType: "llm",
      state: this.redactor.stream(this.streamOptions),
    }).state;
  }
}
