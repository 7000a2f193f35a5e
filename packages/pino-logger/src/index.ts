export type { ErrorRecord } from "./errors.js";
export { PinoCallbackHandler } from "./handler.js";
export type { OtelFields } from "./otel.js";
export type { LlmParams } from "./records.js";
export type {
  ContentMode,
  EventLevel,
  MaskContext,
  MaskFunction,
  PinoCallbackHandlerOptions,
  PinoEventLevels,
  PinoLogger,
  PinoRunFilter,
} from "./types.js";
