import { truncate } from "@chainwatch/core";

/** The `err` field of a record: pino's standard error shape, plus what tells API errors apart. */
export interface ErrorRecord {
  /** The error's class (`RateLimitError`, `Error`). */
  type: string;
  /** The error's `name`. */
  name: string;
  message: string;
  stack?: string;
  /** HTTP status of an API error. */
  status?: number;
  /** The provider's or Node's error code (`rate_limit_exceeded`, `ECONNREFUSED`). */
  code?: string;
  /** LangChain's troubleshooting code (`MODEL_RATE_LIMIT`). */
  lc_error_code?: string;
  cause?: ErrorRecord;
}

/** Stacks are useful but unbounded (a deep recursion, a bundled line): keep the top of them. */
const MAX_STACK = 16_384;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function read(object: Record<string, unknown>, key: string): unknown {
  try {
    return object[key];
  } catch {
    return undefined;
  }
}

/**
 * Reduces any thrown value to named fields only. An error's other enumerable properties are left out on purpose:
 * HTTP client errors can carry request headers (an `Authorization` header) or whole request bodies.
 * `maskMessage` rewrites the message (and its copy in the stack). Never throws.
 */
export function errorRecord(
  error: unknown,
  maxLength: number,
  maskMessage: (message: string) => string = (message) => message,
  depth = 0,
): ErrorRecord {
  if (!isRecord(error)) {
    return {
      type: typeof error,
      name: typeof error,
      message: truncate(maskMessage(String(error)), maxLength),
    };
  }
  const constructorName = (read(error, "constructor") as { name?: unknown } | undefined)?.name;
  const rawName = read(error, "name");
  const name = typeof rawName === "string" ? rawName : "Error";
  const rawMessage = read(error, "message");
  const original = typeof rawMessage === "string" ? rawMessage : "";
  const message = maskMessage(original);
  const record: ErrorRecord = {
    type: typeof constructorName === "string" && constructorName !== "" ? constructorName : name,
    name,
    message: truncate(message, maxLength),
  };
  const stack = read(error, "stack");
  if (typeof stack === "string") {
    const masked = original !== "" && message !== original ? stack.split(original).join(message) : stack;
    record.stack = truncate(masked, MAX_STACK);
  }
  const response = read(error, "response");
  const status = read(error, "status") ?? (isRecord(response) ? read(response, "status") : undefined);
  if (typeof status === "number" && Number.isInteger(status)) record.status = status;
  const code = read(error, "code");
  if (typeof code === "string" || typeof code === "number") record.code = truncate(String(code), 200);
  const lcCode = read(error, "lc_error_code");
  if (typeof lcCode === "string") record.lc_error_code = truncate(lcCode, 200);
  const cause = read(error, "cause");
  if (cause !== undefined && cause !== error && depth < 3) {
    record.cause = errorRecord(cause, maxLength, maskMessage, depth + 1);
  }
  return record;
}

/**
 * The `err` serializer of the handler's child logger: errors become {@link errorRecord}s, records the handler
 * already built pass through. It replaces the user's `err` serializer on the child only.
 */
export function serializeErr(value: unknown): unknown {
  return value instanceof Error ? errorRecord(value, 2048) : value;
}
