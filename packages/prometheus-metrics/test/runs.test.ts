import {
  fakeChatOpenAI,
  promptChain,
  retrievalChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { Runnable } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PrometheusCallbackHandler } from "../src/index.js";
import { samples, value } from "./helpers.js";

describe("chain, retriever and tool runs", () => {
  it("counts runs by type and status and times chains and retrievers", async () => {
    const server = await startFakeOpenAI({ content: "answer" });
    try {
      const registry = new Registry();
      const handler = new PrometheusCallbackHandler({ registry });
      const model = fakeChatOpenAI(server);
      await promptChain(model).invoke({ question: "q" }, { callbacks: [handler] });
      await retrievalChain(model).invoke({ question: "q" }, { callbacks: [handler] });
      await awaitAllCallbacks();
      const runs = Object.fromEntries(
        (await samples(registry, "langchain_runs_total")).map((s) => [
          `${s.labels.run_type}/${s.labels.status}`,
          s.value,
        ]),
      );
      expect(runs["llm/ok"]).toBe(2);
      expect(runs["retriever/ok"]).toBe(1);
      expect(runs["prompt/ok"]).toBe(2);
      expect(runs["chain/ok"]).toBeGreaterThanOrEqual(2);
      expect(await value(registry, "langchain_runs_in_flight")).toBe(0);
      expect(
        await value(
          registry,
          "langchain_retriever_duration_seconds",
          "langchain_retriever_duration_seconds_count",
          {
            retriever_name: "FixedRetriever",
          },
        ),
      ).toBe(1);
      const chains = await samples(
        registry,
        "langchain_chain_duration_seconds",
        "langchain_chain_duration_seconds_count",
      );
      expect(chains.map((s) => s.labels.chain_name)).toContain("ChatPromptTemplate");
      expect(chains.reduce((sum, s) => sum + s.value, 0)).toBe(runs["chain/ok"]! + runs["prompt/ok"]!);
    } finally {
      await server.close();
    }
  });

  it("times an agent's tool executions by tool name", async () => {
    const server = await startFakeOpenAI(weatherAgentScript());
    try {
      const registry = new Registry();
      const handler = new PrometheusCallbackHandler({ registry });
      const agent = weatherAgent(fakeChatOpenAI(server)) as unknown as Runnable;
      await agent.invoke(
        { messages: [{ role: "user", content: "Weather in Paris?" }] },
        { callbacks: [handler] },
      );
      await awaitAllCallbacks();
      expect(
        await value(
          registry,
          "gen_ai_execute_tool_duration_seconds",
          "gen_ai_execute_tool_duration_seconds_count",
          {
            gen_ai_tool_name: "get_weather",
            error_type: "",
          },
        ),
      ).toBe(1);
      expect(
        await value(registry, "langchain_runs_total", undefined, { run_type: "llm", status: "ok" }),
      ).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("labels a failed chain with the model error's error_type", async () => {
    const server = await startFakeOpenAI({ status: 401, error: { message: "bad key" } });
    try {
      const registry = new Registry();
      const handler = new PrometheusCallbackHandler({ registry });
      await expect(
        promptChain(fakeChatOpenAI(server)).invoke({ question: "q" }, { callbacks: [handler] }),
      ).rejects.toThrow();
      await awaitAllCallbacks();
      const failed = await samples(
        registry,
        "langchain_chain_duration_seconds",
        "langchain_chain_duration_seconds_count",
        { error_type: "authentication" },
      );
      expect(failed.map((s) => s.value)).toEqual([1]);
      expect(
        await value(
          registry,
          "gen_ai_client_operation_duration_seconds",
          "gen_ai_client_operation_duration_seconds_count",
          {
            error_type: "authentication",
          },
        ),
      ).toBe(1);
      expect(await value(registry, "langchain_runs_total", undefined, { status: "error" })).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("labels a failing tool with its error_type", async () => {
    const registry = new Registry();
    const handler = new PrometheusCallbackHandler({ registry });
    const broken = tool(
      async () => {
        throw Object.assign(new Error("upstream said no"), { status: 503 });
      },
      { name: "flaky_lookup", description: "fails", schema: { type: "object", properties: {} } },
    );
    await expect(broken.invoke({}, { callbacks: [handler] })).rejects.toThrow("upstream said no");
    await awaitAllCallbacks();
    expect(
      await value(
        registry,
        "gen_ai_execute_tool_duration_seconds",
        "gen_ai_execute_tool_duration_seconds_count",
        {
          gen_ai_tool_name: "flaky_lookup",
          error_type: "server_error",
        },
      ),
    ).toBe(1);
    expect(
      await value(registry, "langchain_runs_total", undefined, { run_type: "tool", status: "error" }),
    ).toBe(1);
  });
});
