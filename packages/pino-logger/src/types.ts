import type { ChainwatchHandlerOptions, CostOption, RunType } from "@chainwatch/core";
import type { BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import type { BaseLogger, Bindings, ChildLoggerOptions, Level } from "pino";

/** A level of the logger (pino's, or one of its custom levels) for one kind of event, or `false` to never log it. */
export type EventLevel = Level | (string & {}) | false;

/** The kinds of event that have their own level. */
export interface PinoEventLevels {
  /** `llm.start`, `chain.start`, `tool.start`, `retriever.start`. @default "debug" */
  start?: EventLevel;
  /** `llm.end`, `chain.end`, `tool.end`, `retriever.end`. @default "info" */
  end?: EventLevel;
  /** `llm.error`, `chain.error`, `tool.error`, `retriever.error`. @default "error" */
  error?: EventLevel;
  /** `llm.first_token`: the first streamed token that carries content or a tool-call delta. @default "debug" */
  firstToken?: EventLevel;
  /** `llm.token`: every streamed token. Off by default: one record per token is rarely what you want. @default false */
  token?: EventLevel;
  /** `agent.action` and `agent.end` (legacy agent executors only; LangChain v1 agents do not send them). @default "info" */
  agent?: EventLevel;
  /** `custom`: events sent with `dispatchCustomEvent`. @default "info" */
  custom?: EventLevel;
}

/**
 * How much of the inputs and outputs (prompts, messages, completions, tool arguments and results, documents)
 * a record carries.
 * - `"none"`: metadata only (ids, timing, usage, model, errors, tool names).
 * - `"truncate"`: every string cut at `maxLength`, arrays at 100 items.
 * - `"full"`: text kept whole. Binary data (Buffers, data URLs, base64 payloads) is summarised in every mode.
 */
export type ContentMode = "none" | "truncate" | "full";

/** Where a masked value is about to be logged. */
export interface MaskContext {
  /** The record's event: `llm.start`, `tool.end`, … */
  event: string;
  /** The record field the value goes to: `input`, `output`, `tool_calls.args`, `err.message`, `data`, … */
  field: string;
}

/**
 * Rewrites an input or output value before it is rendered into a record (pii-redact plugs in here). Receives
 * the raw value (a string, a message list, a chain's input object, …) and returns what to log instead. Called
 * only when the record is going to be written and content is not `"none"`.
 */
export type MaskFunction = (value: unknown, context: MaskContext) => unknown;

/** Which runs are logged; a run left out still counts for its children's depth and trace. */
export interface PinoRunFilter {
  /** Only runs of these types are logged. @default every type */
  runTypes?: readonly RunType[];
  /** Runs whose name matches one of these (exact string or RegExp) are not logged. @default [] */
  ignoreNames?: readonly (string | RegExp)[];
  /** Runs carrying one of these tags are not logged (for example `"langsmith:hidden"`). @default [] */
  ignoreTags?: readonly string[];
}

/** What the handler needs of a pino logger: any pino `Logger`, with or without custom levels, fits. */
export interface PinoLogger extends BaseLogger {
  child(bindings: Bindings, options?: ChildLoggerOptions): BaseLogger;
  isLevelEnabled(level: string): boolean;
}

/** Options of {@link PinoCallbackHandler}. */
export interface PinoCallbackHandlerOptions extends ChainwatchHandlerOptions, BaseCallbackHandlerInput {
  /**
   * The pino logger to write through. The handler writes through a child of it and never changes its level,
   * destination or serializers.
   * @default pino()
   */
  logger?: PinoLogger;
  /** The level of each kind of event; `false` turns a kind off. */
  levels?: PinoEventLevels;
  /** How much of the inputs and outputs a record carries (see {@link ContentMode}). @default "truncate" */
  content?: ContentMode;
  /**
   * Longest string kept in `"truncate"` mode, in characters; the original length is recorded.
   * @default 2048
   */
  maxLength?: number;
  /** Applied to every input and output value before it is logged. @default none */
  mask?: MaskFunction;
  /**
   * Run metadata keys copied into `metadata` (an allow-list: metadata often carries user ids and secrets).
   * LangGraph's `langgraph_node` and `langgraph_step` are always logged, as `langgraph_node`/`langgraph_step`.
   * @default []
   */
  metadataKeys?: readonly string[];
  /**
   * Share of traces logged, from 0 to 1. Decided once per trace from its id, so a trace is logged whole or not
   * at all (and two handlers with the same rate agree).
   * @default 1
   */
  sample?: number;
  /** Which runs are logged. @default every run */
  filter?: PinoRunFilter;
  /**
   * Where each LLM call's USD cost comes from, for the `cost_usd` field of `llm.end`: a
   * `TokenCostCallbackHandler` from `@chainwatch/token-cost` (any object with `costOfLLMResult(output, { model,
   * provider })`), or a function of the LLM result and the start event's model and provider. A call it cannot
   * price gets no `cost_usd` (never a guessed 0).
   * @default none (no `cost_usd` field)
   */
  cost?: CostOption;
}
