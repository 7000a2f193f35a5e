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

/**
 * Streamed text kept per run (raw and released), up to this length, so the run's whole answer can be remembered
 * as redacted: its end event carries the same text again. The same bound as the event cache's entries.
 */
export const KEPT_STREAM_CHARS = 16_384;

interface RunBuffers {
  text: StreamRedactor;
  /** The raw text streamed so far, while it is short enough to keep (undefined past {@link KEPT_STREAM_CHARS}). */
  raw: string | undefined;
  /** What the text buffer released of it so far. */
  released: string;
  /** One buffer per tool call (by index): an argument value can be split across fragments too. */
  tools: Map<number, StreamRedactor>;
}

/** What a run still held when it ended, redacted. */
export interface HeldBack {
  text: string;
  tools: ToolCallChunk[];
  /**
   * The run's whole streamed text and its redaction (what was released plus `text`), when it was kept: streamed
   * redaction equals whole-text redaction, so the end event's copy of the answer need not be redacted again.
   */
  whole?: { raw: string; redacted: string };
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
    const run = this.buffers(runId, parentRunId);
    const released = run.text.push(token);
    if (run.raw !== undefined) {
      if (run.raw.length + token.length > KEPT_STREAM_CHARS) {
        run.raw = undefined;
        run.released = "";
      } else {
        run.raw += token;
        run.released += released;
      }
    }
    return released;
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
    const { raw, released } = run.state;
    const text = run.state.text.flush();
    if (raw === undefined || raw === "") return { text, tools };
    return { text, tools, whole: { raw, redacted: released + text } };
  }

  private buffers(runId: string, parentRunId: unknown): RunBuffers {
    const existing = this.runs.get(runId);
    if (existing) return existing.state;
    return this.runs.start({
      runId,
      parentRunId: typeof parentRunId === "string" ? parentRunId : undefined,
      runType: "llm",
      state: { text: this.redactor.stream(this.streamOptions), raw: "", released: "", tools: new Map() },
    }).state;
  }
}
