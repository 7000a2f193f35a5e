import type { Callbacks } from "@langchain/core/callbacks/manager";
import { Document } from "@langchain/core/documents";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { BaseRetriever } from "@langchain/core/retrievers";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { type FakeReply, hasToolResult, type RecordedRequest } from "./fake-openai.js";

/** Documents {@link FixedRetriever} returns by default. */
export const FIXED_DOCUMENTS: readonly Document[] = [
  new Document({
    pageContent: "Chainwatch handlers never change a run's output.",
    metadata: { source: "doc-1" },
  }),
  new Document({
    pageContent: "Per-run state is evicted when a run never ends.",
    metadata: { source: "doc-2" },
  }),
];

/** A retriever that returns fixed documents (or fails when asked to), for retriever events. */
export class FixedRetriever extends BaseRetriever {
  lc_namespace = ["chainwatch", "testkit", "retrievers"];
  private readonly documents: readonly Document[];
  private readonly failWith: Error | undefined;

  constructor(options: { documents?: readonly Document[]; failWith?: Error } = {}) {
    super();
    this.documents = options.documents ?? FIXED_DOCUMENTS;
    this.failWith = options.failWith;
  }

  override async _getRelevantDocuments(_query: string): Promise<Document[]> {
    if (this.failWith) throw this.failWith;
    return this.documents.map((document) => new Document({ ...document }));
  }
}

/** `prompt | model | parser`: the walkthrough's chain. */
export function promptChain(model: BaseChatModel) {
  const prompt = ChatPromptTemplate.fromMessages([
    ["system", "You answer in one short sentence."],
    ["human", "{question}"],
  ]);
  return prompt.pipe(model).pipe(new StringOutputParser());
}

/** A retrieval chain: retriever → context → prompt → model → string. */
export function retrievalChain(model: BaseChatModel, retriever: BaseRetriever = new FixedRetriever()) {
  const prompt = ChatPromptTemplate.fromMessages([
    ["system", "Answer from the context.\n{context}"],
    ["human", "{question}"],
  ]);
  return RunnableSequence.from([
    {
      context: RunnableLambda.from(async (input: { question: string }, config) => {
        const documents = await retriever.invoke(input.question, config);
        return documents.map((document) => document.pageContent).join("\n");
      }),
      question: RunnableLambda.from((input: { question: string }) => input.question),
    },
    prompt,
    model,
    new StringOutputParser(),
  ]);
}

/** The weather tool the test agent calls. */
export const weatherTool = tool(async (input: { city: string }) => `It is 21°C and sunny in ${input.city}.`, {
  name: "get_weather",
  description: "Current weather for a city.",
  schema: {
    type: "object",
    properties: { city: { type: "string", description: "City name" } },
    required: ["city"],
  },
});

/**
 * A fake-server script for a one-tool agent: the first turn calls `get_weather`, the turn that carries the tool
 * result answers in text.
 */
export function weatherAgentScript(city = "Paris"): (request: RecordedRequest) => FakeReply {
  return (request) =>
    hasToolResult(request)
      ? { content: `The weather in ${city} is sunny, 21°C.` }
      : { toolCalls: [{ name: "get_weather", args: { city } }] };
}

/** A tool-calling agent (LangChain v1 `createAgent`) with the weather tool. */
export function weatherAgent(model: BaseChatModel, callbacks?: Callbacks) {
  const agent = createAgent({ model, tools: [weatherTool] });
  return callbacks === undefined ? agent : agent.withConfig({ callbacks });
}
