/**
 * The OpenTelemetry GenAI semantic conventions this package emits (Development status), defined here rather than
 * imported: `@opentelemetry/semantic-conventions` 1.45 still exports them from `/incubating` but marks every
 * `gen_ai.*` constant deprecated ("moved to the semantic-conventions-genai repository"), and the incubating entry
 * may break in a minor release. `test/semconv.test.ts` checks each value against that package.
 *
 * @see https://github.com/open-telemetry/semantic-conventions-genai/tree/main/docs/gen-ai
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */

export const ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const ATTR_GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature";
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
export const ATTR_GEN_AI_REQUEST_TOP_P = "gen_ai.request.top_p";
export const ATTR_GEN_AI_REQUEST_TOP_K = "gen_ai.request.top_k";
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = "gen_ai.request.frequency_penalty";
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = "gen_ai.request.presence_penalty";
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = "gen_ai.request.stop_sequences";
export const ATTR_GEN_AI_REQUEST_SEED = "gen_ai.request.seed";
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = "gen_ai.request.choice.count";
export const ATTR_GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const ATTR_GEN_AI_RESPONSE_ID = "gen_ai.response.id";
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens";
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
export const ATTR_GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const ATTR_GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions";
export const ATTR_GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const ATTR_GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
export const ATTR_GEN_AI_TOOL_TYPE = "gen_ai.tool.type";
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments";
export const ATTR_GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result";
export const ATTR_GEN_AI_AGENT_NAME = "gen_ai.agent.name";
export const ATTR_GEN_AI_WORKFLOW_NAME = "gen_ai.workflow.name";
export const ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT = "gen_ai.retrieval.query.text";
export const ATTR_GEN_AI_RETRIEVAL_DOCUMENTS = "gen_ai.retrieval.documents";
export const ATTR_ERROR_TYPE = "error.type";

/** `gen_ai.operation.name` values. */
export const OPERATION = {
  chat: "chat",
  textCompletion: "text_completion",
  executeTool: "execute_tool",
  invokeAgent: "invoke_agent",
  invokeWorkflow: "invoke_workflow",
  retrieval: "retrieval",
} as const;

/**
 * Attributes the conventions do not define (LangChain's own run kinds and cost), under this package's namespace
 * so that no backend mistakes them for convention attributes.
 */
export const ATTR_LANGCHAIN_RUN_TYPE = "langchain.run.type";
export const ATTR_LANGCHAIN_RUN_NAME = "langchain.run.name";
export const ATTR_LANGCHAIN_RUN_EVICTED = "langchain.run.evicted";
export const ATTR_COST_USD = "chainwatch.cost.usd";

/**
 * LangChain's `ls_provider` values mapped to the conventions' `gen_ai.provider.name` well-known values; any other
 * provider is written as LangChain names it.
 */
const PROVIDERS: Readonly<Record<string, string>> = {
  openai: "openai",
  azure: "azure.ai.openai",
  azure_openai: "azure.ai.openai",
  anthropic: "anthropic",
  bedrock: "aws.bedrock",
  amazon_bedrock: "aws.bedrock",
  google_genai: "gcp.gemini",
  google_vertexai: "gcp.vertex_ai",
  vertexai: "gcp.vertex_ai",
  mistralai: "mistral_ai",
  mistral: "mistral_ai",
  groq: "groq",
  deepseek: "deepseek",
  xai: "x_ai",
  cohere: "cohere",
  perplexity: "perplexity",
  watsonx: "ibm.watsonx.ai",
};

/** The conventions' provider name for LangChain's `ls_provider`. */
export function providerName(lsProvider: string | undefined): string | undefined {
  if (lsProvider === undefined) return undefined;
  return PROVIDERS[lsProvider] ?? lsProvider;
}
