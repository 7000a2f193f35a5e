/**
 * The `error_type` values this package records: a short, fixed set, so the label can never grow with
 * error messages. Documented in the README as the conventions ask.
 */
export const ERROR_TYPES = [
  "rate_limit",
  "timeout",
  "cancelled",
  "authentication",
  "not_found",
  "bad_request",
  "server_error",
  "connection",
  "output_parsing",
  "_OTHER",
] as const;

/** One of {@link ERROR_TYPES}. */
export type ErrorType = (typeof ERROR_TYPES)[number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function statusOf(error: Record<string, unknown>): number | undefined {
  const status =
    error.status ?? error.statusCode ?? (isRecord(error.response) ? error.response.status : undefined);
  return typeof status === "number" && Number.isInteger(status) ? status : undefined;
}

const BY_LC_CODE: Readonly<Record<string, ErrorType>> = {
  MODEL_RATE_LIMIT: "rate_limit",
  MODEL_AUTHENTICATION: "authentication",
  MODEL_NOT_FOUND: "not_found",
  OUTPUT_PARSING_FAILURE: "output_parsing",
  INVALID_PROMPT_INPUT: "bad_request",
  INVALID_TOOL_RESULTS: "bad_request",
  MESSAGE_COERCION_FAILURE: "bad_request",
};

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
]);

/**
 * Classifies an error into {@link ERROR_TYPES}: LangChain's `lc_error_code`, then the HTTP status, then the
 * error's name and code. Reads only a few named fields; never the message as a label. Never throws.
 */
export function errorType(error: unknown): ErrorType {
  if (!isRecord(error)) return "_OTHER";
  const lcCode = error.lc_error_code;
  if (typeof lcCode === "string") {
    const mapped = BY_LC_CODE[lcCode];
    if (mapped) return mapped;
  }
  const status = statusOf(error);
  if (status !== undefined) {
    if (status === 429) return "rate_limit";
    if (status === 408) return "timeout";
    if (status === 401 || status === 403) return "authentication";
    if (status === 404) return "not_found";
    if (status >= 500) return "server_error";
    if (status >= 400) return "bad_request";
  }
  const name = typeof error.name === "string" ? error.name : "";
  const message = typeof error.message === "string" ? error.message : "";
  // LangChain hands handlers `Error("AbortError")` / `Error("TimeoutError")` for aborts and timeouts.
  if (/timeout/i.test(name) || /^TimeoutError$/.test(message)) return "timeout";
  if (/abort|cancel/i.test(name) || /^(AbortError|Aborted|Request was aborted\.?)$/i.test(message)) {
    return "cancelled";
  }
  if (/connection/i.test(name)) return "connection";
  const code =
    typeof error.code === "string" ? error.code : isRecord(error.cause) ? error.cause.code : undefined;
  if (typeof code === "string") {
    if (CONNECTION_CODES.has(code)) return "connection";
    if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return "timeout";
  }
  return "_OTHER";
}
