/** A model identity as far as one event tells it. */
export interface ModelInfo {
  model: string | undefined;
  provider: string | undefined;
}

/** Longest model or provider name kept: these end up in logs and metric labels. */
const MAX_NAME_LENGTH = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function name(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  return trimmed.length > MAX_NAME_LENGTH ? trimmed.slice(0, MAX_NAME_LENGTH) : trimmed;
}

/** Provider names LangChain's own `ls_provider` would give, by model class, for when metadata lacks it. */
const PROVIDER_BY_CLASS: Readonly<Record<string, string>> = {
  ChatOpenAI: "openai",
  OpenAI: "openai",
  AzureChatOpenAI: "azure",
  AzureOpenAI: "azure",
  ChatAnthropic: "anthropic",
  ChatGoogleGenerativeAI: "google_genai",
  ChatVertexAI: "google_vertexai",
  ChatBedrockConverse: "amazon_bedrock",
  ChatMistralAI: "mistral",
  ChatGroq: "groq",
  ChatOllama: "ollama",
  ChatCohere: "cohere",
  ChatDeepSeek: "deepseek",
  ChatXAI: "xai",
  ChatFireworks: "fireworks",
  ChatTogetherAI: "together",
};

/** The class name in a `serialized` object (`["langchain", "chat_models", "openai", "ChatOpenAI"]` → `ChatOpenAI`). */
export function serializedClassName(serialized: unknown): string | undefined {
  if (!isRecord(serialized) || !Array.isArray(serialized.id)) return undefined;
  return name(serialized.id.at(-1));
}

/**
 * The requested model and provider from a model's start event: `ls_model_name` / `ls_provider` metadata first,
 * then the invocation params, then the serialized constructor arguments. Reads only named string fields, so it
 * is safe on any `serialized` (it never walks it: API keys can sit there in plain text).
 */
export function modelFromStart(serialized: unknown, extraParams: unknown, metadata: unknown): ModelInfo {
  const meta = isRecord(metadata) ? metadata : undefined;
  const params =
    isRecord(extraParams) && isRecord(extraParams.invocation_params)
      ? extraParams.invocation_params
      : undefined;
  const kwargs = isRecord(serialized) && isRecord(serialized.kwargs) ? serialized.kwargs : undefined;
  const model =
    name(meta?.ls_model_name) ??
    name(params?.model) ??
    name(params?.model_name) ??
    name(params?.modelName) ??
    name(kwargs?.model) ??
    name(kwargs?.model_name) ??
    name(kwargs?.modelName);
  const className = serializedClassName(serialized);
  const provider =
    name(meta?.ls_provider) ?? (className === undefined ? undefined : PROVIDER_BY_CLASS[className]);
  return { model, provider };
}

/**
 * The model the provider says answered (often a dated snapshot of the requested one), from an LLM result:
 * `response_metadata.model_name` (or `.model`) of the first generation's message, else `llmOutput.model_name`.
 */
export function responseModel(output: unknown): string | undefined {
  if (!isRecord(output)) return undefined;
  const generations = Array.isArray(output.generations) ? output.generations : undefined;
  const perPrompt: unknown = generations?.[0];
  const first: unknown = Array.isArray(perPrompt) ? perPrompt[0] : undefined;
  const message = isRecord(first) ? first.message : undefined;
  const responseMetadata = isRecord(message) ? message.response_metadata : undefined;
  if (isRecord(responseMetadata)) {
    const fromMessage = name(responseMetadata.model_name) ?? name(responseMetadata.model);
    if (fromMessage) return fromMessage;
  }
  // A streamed call (`.stream()`, or invoke() preferring streaming) has it in the generation info instead.
  const generationInfo = isRecord(first) ? first.generationInfo : undefined;
  const fromGenerationInfo = isRecord(generationInfo) ? name(generationInfo.model_name) : undefined;
  if (fromGenerationInfo) return fromGenerationInfo;
  const llmOutput = isRecord(output.llmOutput) ? output.llmOutput : undefined;
  return name(llmOutput?.model_name) ?? name(llmOutput?.model);
}

/** Resolves the model a call should be attributed to: the response's model first, then the requested one. */
export function resolveModel(requested: ModelInfo, output?: unknown): ModelInfo {
  return { model: responseModel(output) ?? requested.model, provider: requested.provider };
}
