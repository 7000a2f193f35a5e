import {
  type FakeOpenAI,
  fakeChatOpenAI,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { context, trace } from "@opentelemetry/api";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenTelemetryCallbackHandler, TreeSpanExporter } from "../src/index.js";
import "./helpers.js";

describe("TreeSpanExporter", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });

  function setup(options: ConstructorParameters<typeof TreeSpanExporter>[0] = {}) {
    const output: string[] = [];
    const exporter = new TreeSpanExporter({ write: (text) => output.push(text), ...options });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const handler = new OpenTelemetryCallbackHandler({ tracerProvider: provider, spans: "genai" });
    return { output, exporter, provider, handler };
  }

  it("prints an agent's trace as a tree once its root ends, with models, tokens and tool calls", async () => {
    const { output, handler } = setup();
    server.setScript(weatherAgentScript());
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "weather in Paris?" }] },
      { callbacks: [handler] },
    );
    expect(output).toHaveLength(1);
    const lines = (output[0] ?? "").trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^invoke_agent LangGraph {2}\d+(\.\d+)? m?s$/);
    expect(lines[1]).toMatch(
      /^├─ chat gpt-4o-mini {2}\S+ m?s {2}model=gpt-4o-mini in=\d+ out=\d+ finish=tool_calls$/,
    );
    expect(lines[2]).toMatch(/^├─ execute_tool get_weather {2}\S+ m?s {2}call=call_1$/);
    expect(lines[3]).toMatch(/^└─ chat gpt-4o-mini .* finish=stop$/);
    // Plain text when writing somewhere other than a TTY.
    expect(output[0]).not.toContain("\u001b[");
  });

  it("marks failed spans, colours only when asked, and prints unfinished traces at forceFlush", async () => {
    const { output, exporter, provider, handler } = setup({ colors: true });
    server.setScript({ status: 500, error: { message: "boom" } });
    await expect(fakeChatOpenAI(server).invoke("hi", { callbacks: [handler] })).rejects.toThrow();
    expect(output[0]).toContain("\u001b[31mchat gpt-4o-mini ✗\u001b[0m");
    expect(output[0]).toContain("error=500");

    const tracer = provider.getTracer("t");
    const parent = tracer.startSpan("parent");
    const child = tracer.startSpan("child", {}, trace.setSpan(context.active(), parent));
    child.end();
    expect(output).toHaveLength(1);
    await exporter.forceFlush();
    expect(output).toHaveLength(2);
    expect(output[1]).toMatch(/^child /);
    parent.end();
  });

  it("bounds its buffer: past maxBufferedSpans the oldest trace is printed as it stands", async () => {
    const { output, provider } = setup({ maxBufferedSpans: 2 });
    const tracer = provider.getTracer("t");
    const roots = ["a", "b", "c"].map((name) => ({ name, span: tracer.startSpan(name) }));
    for (const root of roots) {
      tracer.startSpan(`${root.name}-child`, {}, trace.setSpan(context.active(), root.span)).end();
    }
    // Three unfinished traces of one span each, two allowed: the oldest is printed, the others wait.
    expect(output).toHaveLength(1);
    expect(output[0]).toMatch(/^a-child /);
    for (const root of roots) root.span.end();
    expect(output.map((text) => text.split(" ")[0])).toEqual(["a-child", "a", "b", "c"]);
    expect(output[2]).toMatch(/\n└─ b-child /);
  });

  it("rejects an unknown option", () => {
    expect(() => new TreeSpanExporter({ colours: true } as never)).toThrow(/colours/);
  });
});
