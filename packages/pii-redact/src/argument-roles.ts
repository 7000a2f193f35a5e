import { CALLBACK_ARGUMENTS, CALLBACK_METHODS, type CallbackMethod } from "@chainwatch/core";
import type { ArgumentRole } from "./event-redaction.js";

/** The role of each positional argument of one callback method, and of any further (runtime-only) ones. */
export interface MethodRoles {
  at: readonly ArgumentRole[];
  rest: ArgumentRole;
}

/**
 * Roles from core's table of where each callback's arguments sit: ids and run names pass, `serialized` is a
 * structure, tags, metadata and extra params are redacted whatever the handler records, and so are errors
 * (a logger at `content: "none"` still logs them). The content of a start event is the run's input; of the other
 * events, its output; a chain's are told apart, for a handler that records no chain content. Any position the table does not name (a chain's run type, a tool-call id, an event name,
 * arguments LangChain adds later) is redacted too.
 */
function rolesOf(method: CallbackMethod): MethodRoles {
  const positions = CALLBACK_ARGUMENTS[method];
  const at: ArgumentRole[] = [];
  const set = (position: number | undefined, role: ArgumentRole) => {
    if (position !== undefined) at[position] = role;
  };
  const chain = method === "handleChainStart" || method === "handleChainEnd";
  const contentRole: ArgumentRole = method.endsWith("Error")
    ? "meta"
    : positions.serialized !== undefined
      ? chain
        ? "chain-input"
        : "input"
      : chain
        ? "chain-output"
        : "output";
  for (const position of positions.content) set(position, contentRole);
  set(positions.serialized, "structure");
  for (const position of [positions.tags, positions.metadata, positions.extra]) set(position, "meta");
  for (const position of [positions.runId, positions.parentRunId, positions.runName]) set(position, "keep");
  // A token's indices (`{ prompt, completion }`: two numbers) come with every token and hold no text.
  if (method === "handleLLMNewToken") set(1, "keep");
  return { at: Array.from(at, (role) => role ?? "meta"), rest: "meta" };
}

/** How {@link RedactingCallbackHandler} treats each argument of each LangChain callback. */
export const ARGUMENT_ROLES = Object.fromEntries(
  CALLBACK_METHODS.map((method) => [method, rolesOf(method)]),
) as Readonly<Record<CallbackMethod, MethodRoles>>;

/**
 * `handleChatModelStreamEvent(event, runId, parentRunId, …)`: content-block stream events, which core's table
 * does not cover (chainwatch's handlers do not use them).
 */
export const STREAM_EVENT_ROLES: MethodRoles = { at: ["output", "keep", "keep"], rest: "meta" };
