import { extractUsage, type TrackedRun, truncate } from "@chainwatch/core";
import type { EventFormat } from "./format.js";
import type { ResolvedProgress } from "./options.js";
import type { RunOutput, StreamRunState } from "./run-output.js";
import type { ProgressEventName, ProgressRecord } from "./types.js";

type Run = TrackedRun<StreamRunState>;

/** Longest tool input sent with `progress.toolInput`, in characters. */
const MAX_INPUT_CHARS = 200;

/** The error's class, or LangChain's error code when it has one (`MODEL_RATE_LIMIT`, …): never its message. */
export function errorType(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const code = (error as { lc_error_code?: unknown }).lc_error_code;
    if (typeof code === "string" && code !== "") return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && name !== "" && name !== "Error") return name;
    return error.constructor?.name || "Error";
  }
  return typeof error;
}

/** The number of documents a retriever returned. */
function documentCount(documents: unknown): number {
  return Array.isArray(documents) ? documents.length : 0;
}

/**
 * Progress events: run started/ended/failed, model call started, tool and retriever started/ended — enough for a
 * UI to show "calling get_weather…" while an agent works. Names, counts, durations and error types only: never a
 * prompt, a document or (unless `toolInput`) a tool's arguments.
 */
export class ProgressEvents {
  constructor(
    readonly kinds: ResolvedProgress,
    private readonly output: RunOutput,
    private readonly format: EventFormat,
    private readonly now: () => number,
  ) {}

  /** A root run (a chain, an agent, or a model called on its own) started. */
  runStart(run: Run): void {
    if (this.kinds.run && run.depth === 0) this.emit(run, "run-start", { name: run.name });
  }

  /** The closing event of a root run, or "" for any other run. */
  runEnd(run: Run): string {
    if (!this.kinds.run || run.depth !== 0) return "";
    const record: ProgressRecord = {
      event: "run-end",
      runId: run.runId,
      traceId: run.traceId,
      name: run.name,
    };
    record.durationMs = this.now() - run.startTime;
    if (run.state.usage) record.usage = run.state.usage;
    return this.format.progress(record);
  }

  /** The closing event of a failed root run, or "" for any other run. */
  runError(run: Run, error: unknown): string {
    if (!this.kinds.run || run.depth !== 0) return "";
    return this.format.progress({
      event: "run-error",
      runId: run.runId,
      traceId: run.traceId,
      name: run.name,
      durationMs: this.now() - run.startTime,
      errorType: errorType(error),
    });
  }

  modelStart(run: Run): void {
    if (!this.kinds.model) return;
    const fields: Partial<ProgressRecord> = { name: run.name };
    if (run.model !== undefined) fields.model = run.model;
    this.emit(run, "model-start", fields);
  }

  /** Adds a model call's usage to its root run's total. */
  addUsage(run: Run, root: Run | undefined, output: unknown): void {
    if (!this.kinds.run || root === undefined) return;
    const usage = extractUsage(output);
    if (!usage) return;
    root.state.usage ??= { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    const total = root.state.usage;
    total.inputTokens += usage.inputTokens ?? 0;
    total.outputTokens += usage.outputTokens ?? 0;
    total.totalTokens += usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
    if (run !== root) root.lastSeen = run.lastSeen;
  }

  toolStart(run: Run, input: unknown): void {
    if (!this.kinds.tool) return;
    const fields: Partial<ProgressRecord> = { name: run.name };
    if (this.kinds.toolInput && typeof input === "string") fields.input = truncate(input, MAX_INPUT_CHARS);
    this.emit(run, "tool-start", fields);
  }

  toolEnd(run: Run, error?: unknown): void {
    if (!this.kinds.tool) return;
    this.emit(run, "tool-end", this.ended(run, error));
  }

  retrieverStart(run: Run): void {
    if (this.kinds.retriever) this.emit(run, "retriever-start", { name: run.name });
  }

  retrieverEnd(run: Run, documents: unknown, error?: unknown): void {
    if (!this.kinds.retriever) return;
    const fields = this.ended(run, error);
    if (error === undefined) fields.documents = documentCount(documents);
    this.emit(run, "retriever-end", fields);
  }

  private ended(run: Run, error: unknown): Partial<ProgressRecord> {
    const fields: Partial<ProgressRecord> = {
      name: run.name,
      durationMs: this.now() - run.startTime,
      failed: error !== undefined,
    };
    if (error !== undefined) fields.errorType = errorType(error);
    return fields;
  }

  private emit(run: Run, event: ProgressEventName, fields: Partial<ProgressRecord>): void {
    this.output.line(run, this.format.progress({ event, runId: run.runId, traceId: run.traceId, ...fields }));
  }
}
