import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

/** Options of {@link InProcessChatModel}. */
export interface InProcessChatModelOptions extends BaseChatModelParams {
  /** Tokens each call streams. @default 10 */
  tokens?: number;
  /** Text of each token. @default "tok " */
  token?: string;
  /** Model name reported in metadata and the response. @default "gpt-4o-mini" */
  model?: string;
  /**
   * Makes it an agent's model: a turn whose last message is not a tool result answers with this tool call
   * (no text); the turn after the tool result answers in text.
   */
  toolCall?: { name: string; args: Record<string, unknown> };
}

/**
 * A chat model that answers in-process, with no HTTP and no timers: `tokens` tokens, usage on the last chunk,
 * `ls_provider: "openai"`. For benchmarks and soak tests where the network would drown the handler's cost.
 * `.stream()` emits one `handleLLMNewToken` per token through LangChain's real callback manager; `.invoke()`
 * streams too when a handler prefers streaming, as ChatOpenAI does.
 */
export class InProcessChatModel extends BaseChatModel {
  readonly tokens: number;
  readonly token: string;
  readonly model: string;
  readonly toolCall: InProcessChatModelOptions["toolCall"];
  private calls = 0;

  constructor(options: InProcessChatModelOptions = {}) {
    super(options);
    this.tokens = options.tokens ?? 10;
    this.token = options.token ?? "tok ";
    this.model = options.model ?? "gpt-4o-mini";
    this.toolCall = options.toolCall;
  }

  /** Tools are accepted (an agent binds them) and answered from `toolCall`. */
  override bindTools(): this {
    return this;
  }

  private toolCallFor(messages: BaseMessage[]): ToolCall | undefined {
    if (!this.toolCall || messages.at(-1)?.type === "tool") return undefined;
    this.calls++;
    return {
      id: `call_${this.calls}`,
      name: this.toolCall.name,
      args: this.toolCall.args,
      type: "tool_call",
    };
  }

  static override lc_name(): string {
    return "InProcessChatModel";
  }

  override _llmType(): string {
    return "in_process";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return {
      ...super.getLsParams(options),
      ls_provider: "openai",
      ls_model_name: this.model,
      ls_model_type: "chat" as const,
    };
  }

  private usage(inputTokens: number) {
    return { input_tokens: inputTokens, output_tokens: this.tokens, total_tokens: inputTokens + this.tokens };
  }

  private static inputTokens(messages: BaseMessage[]): number {
    return messages.length * 4;
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const toolCall = this.toolCallFor(messages);
    const text = toolCall ? "" : this.token.repeat(this.tokens);
    const message = new AIMessage({
      content: text,
      tool_calls: toolCall ? [toolCall] : [],
      usage_metadata: this.usage(InProcessChatModel.inputTokens(messages)),
      response_metadata: { model_name: this.model, finish_reason: "stop" },
    });
    return { generations: [{ text, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const toolCall = this.toolCallFor(messages);
    if (toolCall) {
      const args = JSON.stringify(toolCall.args);
      const chunk = new ChatGenerationChunk({
        text: "",
        message: new AIMessageChunk({
          content: "",
          tool_call_chunks: [
            { index: 0, id: toolCall.id, name: toolCall.name, args, type: "tool_call_chunk" },
          ],
        }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken("", undefined, undefined, undefined, undefined, { chunk });
    }
    for (let index = 0; index < (toolCall ? 0 : this.tokens); index++) {
      const chunk = new ChatGenerationChunk({
        text: this.token,
        message: new AIMessageChunk({ content: this.token }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(this.token, undefined, undefined, undefined, undefined, { chunk });
    }
    const last = new ChatGenerationChunk({
      text: "",
      message: new AIMessageChunk({
        content: "",
        usage_metadata: this.usage(InProcessChatModel.inputTokens(messages)),
        response_metadata: { model_name: this.model, finish_reason: "stop" },
      }),
    });
    yield last;
    await runManager?.handleLLMNewToken("", undefined, undefined, undefined, undefined, { chunk: last });
  }
}
