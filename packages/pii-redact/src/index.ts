export { MAX_CONTEXT_CHARS } from "./detectors/context.js";
export { type NlpDocument, type NlpFunction, nlpDetectors } from "./detectors/nlp.js";
export { countByType, type PiiCounts, PiiDetectedError } from "./errors.js";
export { cutMarker, DEFAULT_MAX_EVENT_CHARS } from "./event-redaction.js";
export { type PiiAuditRecord, PiiGuardCallbackHandler, type PiiGuardOptions } from "./guard.js";
export { RECORDS_EVERYTHING, type RecordedContent } from "./recorded-content.js";
export { piiRedactionStep } from "./redaction-step.js";
export { createRedactor, detect, type Redactor, redact, redactValue } from "./redactor.js";
export { StreamRedactor, type StreamRedactorOptions } from "./stream.js";
export {
  type AllowEntry,
  type BuiltInPiiType,
  DEFAULT_TYPES,
  type Detector,
  type DetectorMatch,
  type Finding,
  PII_TYPES,
  type PiiType,
  type RedactionResult,
  type RedactorOptions,
  type Strategy,
} from "./types.js";
export { RedactingCallbackHandler, withRedaction } from "./with-redaction.js";
export type { WithRedactionOptions } from "./with-redaction-options.js";
