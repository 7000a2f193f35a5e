import type { ArgumentRole } from "./event-redaction.js";

/** The role of each positional argument of one callback method, and of any further (runtime-only) ones. */
export interface MethodRoles {
  at: readonly ArgumentRole[];
  rest: ArgumentRole;
}

const roles = (at: ArgumentRole[], rest: ArgumentRole = "meta"): MethodRoles => ({ at, rest });

// Runtime argument orders, including the undeclared trailing ones (a chain's run type and run name, a tool's
// run name and tool-call id). Anything past the table is redacted unless the method says otherwise.
const START: ArgumentRole[] = ["structure", "input", "keep", "keep", "meta", "meta", "meta"];
const END: ArgumentRole[] = ["output", "keep", "keep"];
const ERROR: ArgumentRole[] = ["meta", "keep", "keep"];

/** How {@link RedactingCallbackHandler} treats each argument of each LangChain callback. */
export const ARGUMENT_ROLES = {
  // (llm, prompts|messages, runId, parentRunId, extraParams, tags, metadata, runName)
  handleLLMStart: roles(START, "keep"),
  handleChatModelStart: roles(START, "keep"),
  // (token, idx, runId, parentRunId, tags, fields): only when the handler records no content.
  handleLLMNewToken: roles(["keep", "keep", "keep", "keep", "meta", "keep"]),
  // (output|error, runId, parentRunId, tags, extra)
  handleLLMEnd: roles(["output", "keep", "keep", "meta"]),
  handleLLMError: roles(["meta", "keep", "keep", "meta"]),
  handleChatModelStreamEvent: roles(END),
  // (chain, inputs, runId, parentRunId, tags, metadata, runType, runName)
  handleChainStart: roles(["structure", "input", "keep", "keep", "meta", "meta"], "keep"),
  handleChainEnd: roles(END),
  handleChainError: roles(ERROR),
  // (tool, input, runId, parentRunId, tags, metadata, runName, toolCallId)
  handleToolStart: roles(["structure", "input", "keep", "keep", "meta", "meta", "keep", "keep"]),
  handleToolEnd: roles(END),
  handleToolError: roles(ERROR),
  handleToolEvent: roles(END),
  // (retriever, query, runId, parentRunId, tags, metadata, name)
  handleRetrieverStart: roles(["structure", "input", "keep", "keep", "meta", "meta", "keep"]),
  handleRetrieverEnd: roles(END),
  handleRetrieverError: roles(ERROR),
  handleAgentAction: roles(END),
  handleAgentEnd: roles(END),
  handleText: roles(END),
  // (eventName, data, runId, tags, metadata)
  handleCustomEvent: roles(["keep", "output", "keep", "meta", "meta"]),
} satisfies Record<string, MethodRoles>;
