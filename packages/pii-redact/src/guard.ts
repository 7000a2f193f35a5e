import {
  ChainwatchCallbackHandler,
  type ChainwatchHandlerOptions,
  handlerOptionShape,
  type ModelStartInput,
  outputText,
  safeStringify,
  type TrackedRun,
  toolCallsFromOutput,
  validateOptions,
} from "@chainwatch/core";
import type { DocumentInterface } from "@langchain/core/documents";
import type { LLMResult } from "@langchain/core/outputs";
import { countByType, type PiiCounts, PiiDetectedError } from "./errors.js";
import { collectStrings } from "./redact-value.js";
import { createRedactor, type Redactor } from "./redactor.js";
import { findInSlices, SLICE_CHARS } from "./sliced-scan.js";
import { type BuiltInPiiType, DEFAULT_TYPES, type PiiType } from "./types.js";

/** What the guard saw in one place, by type: counts only, never values. */
export interface PiiAuditRecord {
  runId: string;
  parentRunId: string | undefined;
  /** Where the text was. */
  source: "llm_input" | "llm_output" | "tool_input" | "tool_output" | "retriever_documents";
  counts: PiiCounts;
}

/** Options of {@link PiiGuardCallbackHandler}. */
export interface PiiGuardOptions extends ChainwatchHandlerOptions {
  /**
   * `block`: a model call whose prompt holds any of `types` rejects with a {@link PiiDetectedError} before the
   * request is sent. `audit`: nothing is stopped; counts by type go to `onAudit`.
   * @default "block"
   */
  mode?: "block" | "audit";
  /** Types that block (or are counted). @default every built-in type except PERSON and LOCATION */
  types?: readonly PiiType[];
  /**
   * The detector set. Its enabled types must include `types`.
   * @default createRedactor({ types }) for the built-in types listed
   */
  redactor?: Redactor;
  /** Receives each audit record (audit mode). @default records are only added to `totals` */
  onAudit?: (record: PiiAuditRecord) => void;
}

const MODES = ["block", "audit"] as const;

const GUARD_OPTIONS = handlerOptionShape({ mode: true, types: true, redactor: true, onAudit: true });

/**
 * Stops model calls whose prompt contains personal data (`block`), or counts what flows through a run by type
 * (`audit`). Blocking works through LangChain's `raiseError`: the user's call rejects with a
 * {@link PiiDetectedError} and no request leaves the process.
 *
 * @example
 * ```ts
 * const guard = new PiiGuardCallbackHandler({ mode: "block", types: ["CREDIT_CARD", "US_SSN", "API_KEY"] });
 * await model.invoke("my card is 4111 1111 1111 1111", { callbacks: [guard] }); // rejects: PiiDetectedError
 * ```
 */
export class PiiGuardCallbackHandler extends ChainwatchCallbackHandler {
  name = "pii_guard";
  /** The mode this guard was built with. */
  readonly mode: "block" | "audit";
  /** Counts by type over every audit record so far. */
  readonly totals: Record<string, number> = {};
  private readonly types: ReadonlySet<PiiType>;
  private readonly redactor: Redactor;
  private readonly onAudit: ((record: PiiAuditRecord) => void) | undefined;

  constructor(options: PiiGuardOptions = {}) {
    validateOptions("PiiGuardCallbackHandler", options, GUARD_OPTIONS);
    const mode = options.mode ?? "block";
    if (!MODES.includes(mode)) throw new TypeError(`mode must be "block" or "audit", got "${String(mode)}"`);
    // raiseError (which also makes LangChain await the handler) is what turns the throw into a rejected call.
    super("pii_guard", options, { raiseError: mode === "block" });
    this.mode = mode;
    const types = options.types ?? DEFAULT_TYPES;
    if (types.length === 0) throw new RangeError("types must list at least one PII type");
    this.types = new Set(types);
    this.redactor =
      options.redactor ??
      createRedactor({ types: types.filter((type) => type in BUILT_IN) as BuiltInPiiType[] });
    this.onAudit = options.onAudit;
  }

  /**
   * Counts by type of what `value` holds. Up to {@link SLICE_CHARS} of text is scanned at once; a larger value
   * is scanned in slices, yielding to the event loop between them (LangChain awaits the guard in block mode, so
   * the request still waits for the verdict), and in block mode the scan stops at the first finding.
   */
  private countsIn(value: unknown, then: (counts: PiiCounts) => void): void | Promise<void> {
    const texts = collectStrings(value);
    let total = 0;
    for (const text of texts) total += text.length;
    if (total <= SLICE_CHARS) {
      const findings = texts.flatMap((text) => this.redactor.detect(text));
      return then(countByType(findings.filter((finding) => this.types.has(finding.type))));
    }
    const detect = (text: string) => this.redactor.detect(text);
    return findInSlices(texts, detect, this.types, this.mode === "block").then((findings) =>
      then(countByType(findings)),
    );
  }

  private check(value: unknown, runId: string, parentRunId: string | undefined): void | Promise<void> {
    return this.countsIn(value, (counts) => {
      if (Object.keys(counts).length === 0) return;
      if (this.mode === "block") throw new PiiDetectedError(counts, "the prompt");
      this.audit({ runId, parentRunId, source: "llm_input", counts });
    });
  }

  private audit(record: PiiAuditRecord): void {
    for (const [type, count] of Object.entries(record.counts))
      this.totals[type] = (this.totals[type] ?? 0) + (count ?? 0);
    this.onAudit?.(record);
  }

  private auditOutput(
    value: unknown,
    run: TrackedRun<undefined>,
    source: PiiAuditRecord["source"],
  ): void | Promise<void> {
    if (this.mode !== "audit") return;
    return this.countsIn(value, (counts) => {
      if (Object.keys(counts).length === 0) return;
      this.audit({ runId: run.runId, parentRunId: run.parentRunId, source, counts });
    });
  }

  protected override onModelStart(run: TrackedRun<undefined>, input: ModelStartInput): void | Promise<void> {
    return this.check(input.kind === "chat" ? input.messages : input.prompts, run.runId, run.parentRunId);
  }

  protected override onModelEnd(run: TrackedRun<undefined>, output: LLMResult): void | Promise<void> {
    if (this.mode !== "audit") return;
    // The reply's text and tool-call args once each (the result repeats them in several fields).
    const texts = [
      outputText(output),
      ...toolCallsFromOutput(output).map((call) => safeStringify(call.args)),
    ];
    return this.auditOutput(texts, run, "llm_output");
  }

  protected override onToolStart(run: TrackedRun<undefined>, input: string): void | Promise<void> {
    return this.auditOutput(input, run, "tool_input");
  }

  protected override onToolEnd(run: TrackedRun<undefined>, output: unknown): void | Promise<void> {
    return this.auditOutput(output, run, "tool_output");
  }

  protected override onRetrieverEnd(
    run: TrackedRun<undefined>,
    documents: readonly DocumentInterface[],
  ): void | Promise<void> {
    return this.auditOutput(documents, run, "retriever_documents");
  }
}

const BUILT_IN: Record<BuiltInPiiType, true> = {
  EMAIL: true,
  PHONE: true,
  CREDIT_CARD: true,
  IBAN: true,
  IP_ADDRESS: true,
  MAC_ADDRESS: true,
  US_SSN: true,
  API_KEY: true,
  URL: true,
  DATE_OF_BIRTH: true,
  PERSON: true,
  LOCATION: true,
};
