import {
  type FakeOpenAI,
  fakeChatOpenAI,
  InProcessChatModel,
  startFakeOpenAI,
  weatherTool,
} from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { createAgent } from "langchain";

/** One thing a user's app does, timed per `unit`. */
export interface Workload {
  name: string;
  /** What one figure is per: a streamed token or a call (an agent loop counts as one call). */
  unit: "token" | "call";
  /** Units per iteration. */
  units: number;
  run: (callbacks: BaseCallbackHandler[]) => Promise<unknown>;
  /** Shared resources (the fake server) are started once and closed at the end. */
  close?: () => Promise<void>;
}

export const STREAM_TOKENS = 1_000;

/**
 * Callbacks run on LangChain's background queue: without waiting for it, a fast workload outruns its handlers,
 * the backlog grows from one iteration to the next, and the figures measure the backlog. Every iteration waits,
 * so it pays its whole callback cost.
 */
const drained =
  (run: Workload["run"]): Workload["run"] =>
  async (callbacks) => {
    const result = await run(callbacks);
    await awaitAllCallbacks();
    return result;
  };

export async function createWorkloads(): Promise<Workload[]> {
  const streaming = new InProcessChatModel({ tokens: STREAM_TOKENS, token: "tok " });
  const short = new InProcessChatModel({ tokens: 5, token: "word " });
  const chain = ChatPromptTemplate.fromMessages([
    ["system", "You answer briefly."],
    ["human", "{question}"],
  ])
    .pipe(short)
    .pipe(new StringOutputParser());
  const agentModel = new InProcessChatModel({
    tokens: 5,
    token: "sunny ",
    toolCall: { name: "get_weather", args: { city: "Oslo" } },
  });
  const agent = createAgent({ model: agentModel, tools: [weatherTool] });
  const server: FakeOpenAI = await startFakeOpenAI({ content: "A short answer over real HTTP." });
  const http = fakeChatOpenAI(server);
  const workloads: Workload[] = [
    {
      name: `in-process stream of ${STREAM_TOKENS.toLocaleString("en")} tokens`,
      unit: "token",
      units: STREAM_TOKENS,
      run: async (callbacks) => {
        for await (const _ of await streaming.stream("hi", { callbacks }));
      },
    },
    {
      name: "short invoke (in-process)",
      unit: "call",
      units: 1,
      run: (callbacks) => short.invoke("hi", { callbacks }),
    },
    {
      name: "prompt | model | parser (in-process)",
      unit: "call",
      units: 1,
      run: (callbacks) => chain.invoke({ question: "why?" }, { callbacks }),
    },
    {
      name: "tool-calling agent loop (in-process)",
      unit: "call",
      units: 1,
      run: (callbacks) => agent.invoke({ messages: [{ role: "user", content: "weather?" }] }, { callbacks }),
    },
    {
      name: "ChatOpenAI invoke over HTTP (testkit server)",
      unit: "call",
      units: 1,
      run: (callbacks) => http.invoke("hi", { callbacks }),
      close: () => server.close(),
    },
  ];
  return workloads.map((workload) => ({ ...workload, run: drained(workload.run) }));
}
