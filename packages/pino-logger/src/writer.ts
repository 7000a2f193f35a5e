import type { TrackedRun } from "@chainwatch/core";
import type { Level, Logger } from "pino";
import { ContentPolicy } from "./content.js";
import { type ErrorRecord, errorRecord } from "./errors.js";
import type { ResolvedLevels, ResolvedOptions } from "./options.js";
import { activeSpanFields } from "./otel.js";
import { llmParams, type RunLogState, runFields } from "./records.js";
import { renderValue } from "./render.js";
import type { RunSelection } from "./selection.js";
import type { EventLevel } from "./types.js";

type Run = TrackedRun<RunLogState>;

/** A record being built: plain fields, handed to pino as its merging object. */
export type LogRecord = Record<string, unknown>;

const METADATA_LIMITS = { maxString: 512, maxItems: 20, maxDepth: 3 };

function renderMetadata(value: unknown): unknown {
  return renderValue(value, METADATA_LIMITS);
}

/** Decides which records are written and writes them: levels, sampling, filters, the fields every record has. */
export class RecordWriter {
  readonly levels: ResolvedLevels;
  readonly content: ContentPolicy;
  private readonly logger: Logger;
  private readonly metadataKeys: readonly string[];
  private readonly selection: RunSelection;
  private readonly maxLength: number;
  /** The most severe configured level: when the logger does not want it, it wants nothing this handler writes. */
  private readonly mostSevereLevel: Level | undefined;

  constructor(options: ResolvedOptions) {
    this.logger = options.logger;
    this.levels = options.levels;
    this.content = new ContentPolicy(options.content, options.maxLength, options.mask);
    this.metadataKeys = options.metadataKeys;
    this.selection = options.selection;
    this.maxLength = options.maxLength;
    const values = this.logger.levels.values;
    this.mostSevereLevel = Object.values(this.levels)
      .filter((level): level is Level => level !== false)
      .sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0))[0];
  }

  /**
   * Whether the logger wants any record this handler could write. When it does not, runs are not even tracked:
   * a run that starts while logging is off and ends after it is turned on is logged as a run never seen start.
   */
  anyLevelEnabled(): boolean {
    return this.mostSevereLevel !== undefined && this.logger.isLevelEnabled(this.mostSevereLevel);
  }

  /** Sampling and filters, decided once at the run's start, and the span active then. */
  decide(run: Run): void {
    run.state.logged = this.selection.logs(run);
    if (run.state.logged) run.state.otel = activeSpanFields();
  }

  /** The one gate before any record work: the kind is on, the run is logged, and the logger wants the level. */
  enabled(level: EventLevel, run: Run | undefined): level is Level {
    if (level === false) return false;
    if (run ? !run.state.logged : !this.selection.logsUnseen) return false;
    return this.logger.isLevelEnabled(level);
  }

  /** The fields every record of the run carries. */
  fields(run: Run | undefined, runId: string, parentRunId: string | undefined, runType: string): LogRecord {
    const record = runFields(run, runId, parentRunId, runType, this.metadataKeys, renderMetadata);
    // A late end of a run evicted as abandoned (a call slower than the in-flight bound): said, not hidden.
    if (run?.evicted !== undefined) record.evicted = run.evicted;
    return record;
  }

  /** The fields every record of an LLM run carries: the run's, then provider, model and request parameters. */
  llmFields(run: Run | undefined, runId: string, parentRunId: string | undefined): LogRecord {
    const record = this.fields(run, runId, parentRunId, "llm");
    if (run) {
      if (run.provider !== undefined) record.provider = run.provider;
      if (run.model !== undefined) record.model = run.model;
      const params = llmParams(run.state.params);
      if (params) record.params = params;
    }
    return record;
  }

  /** The `err` field: named fields only, the message through the mask. */
  error(event: string, error: unknown): ErrorRecord {
    return errorRecord(error, this.maxLength, (message) => this.content.maskMessage(event, message));
  }

  write(level: Level, record: LogRecord, msg: string): void {
    this.logger[level](record, msg);
  }

  /** Flushes the logger's destination; resolves once written. */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.logger.flush((error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error);
      }
    });
  }
}
