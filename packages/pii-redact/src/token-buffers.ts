import { RunTracker, type RunTrackerOptions } from "@chainwatch/core";
import type { Redactor } from "./redactor.js";
import type { StreamRedactor, StreamRedactorOptions } from "./stream.js";

/** A streamed tool-call fragment as LangChain carries it in `chunk.message.tool_call_chunks`. */
export interface ToolCallChunk {
  index?: number;
  id?: string;
  name?: string;
  args?: string;
  type?: "tool_call_chunk";
}

interface RunBuffers {
  text: StreamRedactor;
  /** One buffer per tool call (by index): an argument value can be split across fragments too. */
  tools: Map<number, StreamRedactor>;
}

/** What a run still held when it ended, redacted. */
export interface HeldBack {
  text: string;
  tools: ToolCallChunk[];
}

/**
 * The stream redactors of each model run — one for the text, one per streamed tool call's arguments — in a core
 * run tracker: bounded in number, and evicted when a run never ends (a consumer that breaks out of a stream fires
 * no end event).
 */
export class TokenBuffers {
  private readonly runs: RunTracker<RunBuffers>;

  constructor(
    private readonly redactor: Redactor,
    private readonly streamOptions: StreamRedactorOptions,
    runs: Pick<RunTrackerOptions, "maxRuns" | "ttlMs" | "now"> = {},
  ) {
    this.runs = new RunTracker<RunBuffers>({ ...runs });
    // Validates the stream options now rather than on the first token.
    redactor.stream(streamOptions);
  }

  /** Runs holding buffers. */
  get size(): number {
    return this.runs.size;
  }

  /** Fresh buffers for a run that starts (a run id seen again starts over). */
  start(runId: string, parentRunId: unknown): void {
    this.runs.end(runId);
    this.buffers(runId, parentRunId);
  }

  /** Adds a token; returns the redacted text now safe to release. */
  push(runId: string, parentRunId: unknown, token: string): string {
    return this.buffers(runId, parentRunId).text.push(token);
  }

  /** Adds tool-call fragments; returns them with only the redacted argument text now safe to release. */
  pushTools(runId: string, parentRunId: unknown, chunks: readonly ToolCallChunk[]): ToolCallChunk[] {
    const { tools } = this.buffers(runId, parentRunId);
    return chunks.map((chunk) => {
      const index = chunk.index ?? 0;
      let buffer = tools.get(index);
      if (!buffer) {
        buffer = this.redactor.stream(this.streamOptions);
        tools.set(index, buffer);
      }
      return { ...chunk, args: buffer.push(typeof chunk.args === "string" ? chunk.args : "") };
    });
  }

  /** Drops the run's buffers and returns what they still held, redacted. */
  end(runId: string): HeldBack {
    const run = this.runs.end(runId);
    if (!run) return { text: "", tools: [] };
    const tools: ToolCallChunk[] = [];
    for (const [index, buffer] of run.state.tools) {
      const args = buffer.flush();
      if (args !== "") tools.push({ index, args, type: "tool_call_chunk" });
    }
    return { text: run.state.text.flush(), tools };
  }

  private buffers(runId: string, parentRunId: unknown): RunBuffers {
    const existing = this.runs.get(runId);
    if (existing) return existing.state;
    return this.runs.start({
      runId,
      parentRunId: typeof parentRunId === "string" ? parentRunId : undefined,
      runType: "llm",
      state: { text: this.redactor.stream(this.streamOptions), tools: new Map() },
    }).state;
  }
}
