import { AsyncLocalStorage } from "node:async_hooks";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";
import { captureLogger } from "./helpers.js";

/** The smallest AsyncLocalStorage context manager (what `@opentelemetry/context-async-hooks` does). */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const SPAN = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: TraceFlags.SAMPLED,
};

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
  context.setGlobalContextManager(new StorageContextManager());
});
afterAll(async () => {
  context.disable();
  await server.close();
});

describe("OpenTelemetry (optional peer)", () => {
  it("adds trace_id, span_id and trace_flags of the span active when the run started, to every record of it", async () => {
    const { logger, records } = captureLogger("debug");
    const handler = new PinoCallbackHandler({ logger });
    const active = trace.setSpan(context.active(), trace.wrapSpanContext(SPAN));
    await context.with(active, () => fakeChatOpenAI(server).invoke("traced", { callbacks: [handler] }));
    await awaitAllCallbacks();
    expect(records().map((record) => record.msg)).toEqual(["llm.start", "llm.end"]);
    for (const record of records()) {
      expect(record).toMatchObject({ trace_id: SPAN.traceId, span_id: SPAN.spanId, trace_flags: "01" });
    }
  });

  it("no active span: no OpenTelemetry fields", async () => {
    const { logger, records } = captureLogger("debug");
    const handler = new PinoCallbackHandler({ logger });
    await fakeChatOpenAI(server).invoke("untraced", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(records()).toHaveLength(2);
    for (const record of records()) expect(record).not.toHaveProperty("trace_id");
  });
});

describe("OpenTelemetry not installed", () => {
  const run = promisify(execFile);
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  const script = ["--import", "tsx", "test/fixtures/log-one-call.ts"];

  async function records(preload: string[]) {
    const { stdout } = await run(process.execPath, [...preload, ...script], { cwd: packageDir });
    return stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("the handler loads, logs as usual and reports no error", async () => {
    const hidden = await records(["--require", "./test/fixtures/hide-otel.cjs"]);
    expect(hidden.at(-1)).toEqual({ otelResolvable: false, handlerErrors: 0 });
    expect(hidden.slice(0, -1).map((record) => record.msg)).toEqual(["llm.start", "llm.end"]);
    // The control: the same script sees the package when it is not hidden.
    expect((await records([])).at(-1)).toEqual({ otelResolvable: true, handlerErrors: 0 });
  }, 30_000);
});
