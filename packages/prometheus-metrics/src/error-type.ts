/**
 * The `error_type` values this package records: a short, fixed set, so the label can never grow with
 * error messages. OpenTelemetry's `error.type` defines one well-known value (`_OTHER`) and lets an
 * instrumentation use its own documented, low-cardinality set; these are ours, documented in the README.
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

/**
 * How deep the cause chain is followed. ChatOpenAI's refused connection is three levels deep
 * (`APIConnectionError` → `TypeError("fetch failed")` → `Error` with `code: "ECONNREFUSED"`); the bound keeps a
 * cyclic or absurdly deep chain cheap.
 */
const MAX_CAUSE_DEPTH = 5;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** A property read that never throws (an error may have throwing getters). */
function read(object: Record<string, unknown>, key: string): unknown {
  try {
    return object[key];
  } catch {
    return undefined;
  }
}

function statusOf(error: Record<string, unknown>): number | undefined {
  const response = read(error, "response");
  const status =
    read(error, "status") ??
    read(error, "statusCode") ??
    (isRecord(response) ? read(response, "status") : undefined);
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

/** Node's and undici's codes for a connection that could not be made or was lost. */
const BY_CODE: Readonly<Record<string, ErrorType>> = {
  ECONNREFUSED: "connection",
  ECONNRESET: "connection",
  ENOTFOUND: "connection",
  EAI_AGAIN: "connection",
  EPIPE: "connection",
  EHOSTUNREACH: "connection",
  ENETUNREACH: "connection",
  ECONNABORTED: "connection",
  // undici: "other side closed", a socket closed or destroyed under the request.
  UND_ERR_SOCKET: "connection",
  UND_ERR_CLOSED: "connection",
  UND_ERR_DESTROYED: "connection",
  ETIMEDOUT: "timeout",
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  ABORT_ERR: "cancelled",
  UND_ERR_ABORTED: "cancelled",
};

/** The OpenAI SDK's error classes (their `name` is a plain `Error`; the class name tells them apart). */
const BY_CLASS: Readonly<Record<string, ErrorType>> = {
  APIConnectionTimeoutError: "timeout",
  APIUserAbortError: "cancelled",
  APIConnectionError: "connection",
};

function byStatus(status: number): ErrorType | undefined {
  if (status === 429) return "rate_limit";
  if (status === 408) return "timeout";
  if (status === 401 || status === 403) return "authentication";
  if (status === 404) return "not_found";
  if (status >= 500) return "server_error";
  if (status >= 400) return "bad_request";
  return undefined;
}

/** What one error of the chain says about itself, from its code, class and name (not from a cause). */
function ownType(error: Record<string, unknown>): ErrorType | undefined {
  const code = read(error, "code");
  if (typeof code === "string") {
    const mapped = BY_CODE[code];
    if (mapped) return mapped;
  }
  const name = read(error, "name");
  const message = read(error, "message");
  const nameText = typeof name === "string" ? name : "";
  const messageText = typeof message === "string" ? message : "";
  // LangChain hands handlers `Error("AbortError")` / `Error("TimeoutError")` for aborts and timeouts.
  if (/timeout/i.test(nameText) || messageText === "TimeoutError") return "timeout";
  if (/abort|cancel/i.test(nameText) || /^(AbortError|Aborted|Request was aborted\.?)$/i.test(messageText)) {
    return "cancelled";
  }
  const errorClass = read(error, "constructor");
  const className = typeof errorClass === "function" ? errorClass.name : "";
  const byClass = BY_CLASS[className];
  if (byClass) return byClass;
  if (/connection/i.test(nameText)) return "connection";
  return undefined;
}

/**
 * Classifies an error into {@link ERROR_TYPES}: LangChain's `lc_error_code`, then the HTTP status, then the
 * error's code, class and name, following its `cause` chain (bounded) so that a refused connection wrapped as
 * `APIConnectionError` → `TypeError("fetch failed")` → `{ code: "ECONNREFUSED" }` is `connection`. The most
 * specific answer wins: a `connection` wrapper whose cause says `timeout` is a timeout. Reads only a few named
 * fields; never the message as a label. Never throws.
 */
export function errorType(error: unknown): ErrorType {
  if (!isRecord(error)) return "_OTHER";
  const lcCode = read(error, "lc_error_code");
  if (typeof lcCode === "string") {
    const mapped = BY_LC_CODE[lcCode];
    if (mapped) return mapped;
  }
  const status = statusOf(error);
  const fromStatus = status === undefined ? undefined : byStatus(status);
  if (fromStatus) return fromStatus;
  let found: ErrorType | undefined;
  let current: unknown = error;
  const seen = new Set<unknown>();
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && isRecord(current) && !seen.has(current); depth++) {
    seen.add(current);
    const type = ownType(current);
    // A generic `connection` from a wrapper gives way to what its cause says (a timeout, a cancel).
    if (type !== undefined && type !== "connection") return type;
    found ??= type;
    current = read(current, "cause");
  }
  return found ?? "_OTHER";
}
