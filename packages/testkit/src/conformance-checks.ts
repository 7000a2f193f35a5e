import { strict as assert } from "node:assert";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { BaseMessage } from "@langchain/core/messages";
import type { Runnable } from "@langchain/core/runnables";
import type { ChatOpenAI } from "@langchain/openai";
import { type ManualClock, manualClock } from "./clock.js";
import { type FakeOpenAI, type FakeScript, lastUserMessage, startFakeOpenAI } from "./fake-openai.js";
import { fakeChatOpenAI } from "./models.js";
import { EventRecorder } from "./recorder.js";
import { promptChain, retrievalChain, weatherAgent, weatherAgentScript } from "./workloads.js";

/**
 * A handler under test: any LangChain callback handler. A handler that also says how many runs it still holds
 * state for (`activeRunCount`, as every chainwatch handler does) gets the state-release checks too; for any other
 * handler those checks are skipped, with the reason shown.
 */
export interface ConformanceSubject extends BaseCallbackHandler {
  /** Runs the handler still holds per-run state for (after evicting idle ones). */
  readonly activeRunCount?: number;
}

/**
 * Thrown by a check that does not apply to the handler under test (it lacks what the check observes); the vitest
 * suite reports it as a skipped test with this message, `runConformanceCheck` resolves with it.
 */
export class ConformanceSkip extends Error {
  override readonly name = "ConformanceSkip";
}

/** How one check ended. */
export type ConformanceResult = { status: "passed" } | { status: "skipped"; reason: string };

const NO_RUN_COUNT =
  "the handler exposes no numeric activeRunCount (the runs it still holds state for), so per-run state release cannot be observed";
const NO_FAILING_SINK =
  "the handler does not take a failing sink: set `failingSink: true` in the suite's options when its factory honours ctx.failingSink and reports through ctx.onHandlerError";

/** A handler's own failure as reported to the suite. */
export interface ReportedFailure {
  error: unknown;
  context: { handler: string; method: string };
}

/** What the suite hands the factory for each handler it builds. */
export interface ConformanceContext {
  /** When true, the handler's sink (stream, logger destination, registry, …) must fail on every write. */
  failingSink: boolean;
  /**
   * Run-tracker options to pass through: a manual clock and a short idle TTL. `inFlightTtlMs` equals `ttlMs`
   * here, so a handler that sees no tokens (a call it cannot tell from an abandoned stream) is held to the same
   * bound in the suite.
   */
  runs: { now: () => number; ttlMs: number; inFlightTtlMs: number };
  /** Reporter for the handler's own failures (`onHandlerError`). */
  onHandlerError: (error: unknown, context: { handler: string; method: string }) => void;
}

/** Builds a fresh handler for one check. */
export type HandlerFactory = (
  context: ConformanceContext,
) => ConformanceSubject | Promise<ConformanceSubject>;

/** One finished run of the concurrency check. */
export interface ConcurrentRun {
  input: string;
  output: string;
}

/** Options of the conformance suite. */
export interface ConformanceOptions {
  /**
   * Handler-specific proof that 50 interleaved runs kept their state apart (the suite already checks outputs
   * and cleanup). Throw to fail.
   */
  afterConcurrentRuns?: (handler: ConformanceSubject, runs: ConcurrentRun[]) => void | Promise<void>;
  /**
   * Whether the factory honours `ctx.failingSink` (its sink then fails on every write) and reports its own failures
   * through `ctx.onHandlerError`; the failing-sink check is skipped when false.
   * @default true for a handler that exposes `activeRunCount` (a chainwatch handler), false otherwise
   */
  failingSink?: boolean;
}

/** What each check receives. */
export interface ConformanceEnv {
  server: FakeOpenAI;
  makeHandler: HandlerFactory;
  options: ConformanceOptions;
}

/** A named check of the suite. */
export interface ConformanceCheck {
  name: string;
  run: (env: ConformanceEnv) => Promise<void>;
}

/** Idle TTL the suite gives handlers, in (manual-clock) milliseconds. */
const TTL_MS = 1_000;

interface Built {
  handler: ConformanceSubject;
  clock: ManualClock;
  failures: ReportedFailure[];
}

async function build(env: ConformanceEnv, failingSink = false): Promise<Built> {
  const clock = manualClock(1_000);
  const failures: ReportedFailure[] = [];
  const handler = await env.makeHandler({
    failingSink,
    runs: { now: clock.now, ttlMs: TTL_MS, inFlightTtlMs: TTL_MS },
    onHandlerError: (error, context) => failures.push({ error, context }),
  });
  assert.notEqual(
    (handler as { lc_prefer_chat_model_stream_events?: unknown }).lc_prefer_chat_model_stream_events,
    true,
    "lc_prefer_chat_model_stream_events stops handleLLMNewToken for every handler on the run",
  );
  return { handler, clock, failures };
}

function projectMessage(message: BaseMessage): unknown {
  const ai = message as BaseMessage & {
    tool_calls?: { name: string; args: unknown }[];
    usage_metadata?: Record<string, unknown>;
  };
  return {
    type: message.type,
    content: message.content,
    toolCalls: (ai.tool_calls ?? []).map((call) => ({ name: call.name, args: call.args })),
    usage: ai.usage_metadata
      ? {
          input: ai.usage_metadata.input_tokens,
          output: ai.usage_metadata.output_tokens,
          total: ai.usage_metadata.total_tokens,
        }
      : undefined,
  };
}

async function collectStream(pending: Promise<AsyncIterable<BaseMessage>>): Promise<unknown> {
  const stream = await pending;
  const contents: unknown[] = [];
  let usage: unknown;
  for await (const chunk of stream) {
    contents.push(chunk.content);
    const chunkUsage = (chunk as { usage_metadata?: { input_tokens?: number; output_tokens?: number } })
      .usage_metadata;
    if (chunkUsage) usage = { input: chunkUsage.input_tokens, output: chunkUsage.output_tokens };
  }
  return { contents, usage };
}

function hasRunCount(handler: ConformanceSubject): boolean {
  return typeof handler.activeRunCount === "number";
}

/** For a check whose whole point is per-run state: skips it for a handler that does not expose it. */
function requireRunCount(handler: ConformanceSubject): void {
  if (!hasRunCount(handler)) throw new ConformanceSkip(NO_RUN_COUNT);
}

/**
 * Waits for LangChain's background callback queue, then checks that no per-run state is left (for a handler that
 * exposes `activeRunCount`; for any other, the rest of the check still ran).
 */
async function assertCleanedUp(handler: ConformanceSubject, after: string): Promise<void> {
  await awaitAllCallbacks();
  if (!hasRunCount(handler)) return;
  assert.equal(handler.activeRunCount, 0, `the handler still holds per-run state after ${after}`);
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; message?: string; status?: unknown };
    return { name: String(e.name), message: String(e.message), status: e.status };
  }
  assert.fail("the run was expected to fail");
}

type Workload = {
  name: string;
  script?: FakeScript;
  run: (model: ChatOpenAI, callbacks?: BaseCallbackHandler[]) => Promise<unknown>;
};

/** The runs every "output unchanged" check compares: invoke, stream, batch, chains, agent, retriever. */
const WORKLOADS: readonly Workload[] = [
  {
    name: "invoke",
    run: async (model, callbacks) => projectMessage(await model.invoke("hello conformance", { callbacks })),
  },
  {
    name: "stream",
    run: (model, callbacks) => collectStream(model.stream("stream conformance please", { callbacks })),
  },
  {
    name: "batch of 5",
    run: async (model, callbacks) =>
      (
        await model.batch(
          ["b0", "b1", "b2", "b3", "b4"].map((q) => `batch ${q}`),
          { callbacks },
        )
      ).map(projectMessage),
  },
  {
    name: "prompt | model | parser",
    run: (model, callbacks) => promptChain(model).invoke({ question: "What is chainwatch?" }, { callbacks }),
  },
  {
    name: "retriever chain",
    run: (model, callbacks) =>
      retrievalChain(model).invoke({ question: "What do handlers do?" }, { callbacks }),
  },
  {
    name: "tool-calling agent",
    script: weatherAgentScript(),
    run: async (model, callbacks) => {
      const agent = weatherAgent(model) as unknown as Runnable<unknown, { messages: BaseMessage[] }>;
      const result = await agent.invoke(
        { messages: [{ role: "user", content: "Weather in Paris?" }] },
        { callbacks },
      );
      return result.messages.map(projectMessage);
    },
  },
];

async function baselineAndSubject(
  env: ConformanceEnv,
  workload: Workload,
  callbacks: BaseCallbackHandler[],
  model?: ChatOpenAI,
): Promise<{ baseline: unknown; observed: unknown }> {
  env.server.setScript(workload.script);
  const baseline = await workload.run(fakeChatOpenAI(env.server));
  env.server.setScript(workload.script);
  const observed = await workload.run(model ?? fakeChatOpenAI(env.server), model ? undefined : callbacks);
  return { baseline, observed };
}

/**
 * The checks every chainwatch handler passes: outputs identical with and without it, no throw when its own sink
 * fails, 50 interleaved runs, state cleaned up after end, error, abort and abandoned streams, and attachment at the
 * constructor, at `config.callbacks` and at both. Each uses `node:assert`, so it can run outside a test runner.
 */
export const CONFORMANCE_CHECKS: readonly ConformanceCheck[] = [
  ...WORKLOADS.map(
    (workload): ConformanceCheck => ({
      name: `${workload.name}: output unchanged, per-run state released`,
      run: async (env) => {
        const { handler } = await build(env);
        const { baseline, observed } = await baselineAndSubject(env, workload, [handler]);
        assert.deepEqual(observed, baseline, `the ${workload.name} output changed with the handler attached`);
        await assertCleanedUp(handler, workload.name);
      },
    }),
  ),
  {
    name: "a failing sink never throws into the run, and is reported once per callback, not per event",
    run: async (env) => {
      const { handler, failures } = await build(env, true);
      if (!(env.options.failingSink ?? hasRunCount(handler))) throw new ConformanceSkip(NO_FAILING_SINK);
      for (const workload of WORKLOADS) {
        const { baseline, observed } = await baselineAndSubject(env, workload, [handler]);
        assert.deepEqual(
          observed,
          baseline,
          `the ${workload.name} output changed when the handler's sink failed`,
        );
      }
      await awaitAllCallbacks();
      assert.ok(failures.length > 0, "a failing sink must be reported through onHandlerError");
      // Per handler: a group of handlers (combineCallbacks) reports once for each member's failing callback.
      const methods = failures.map((failure) => `${failure.context.handler}.${failure.context.method}`);
      assert.equal(
        new Set(methods).size,
        methods.length,
        `reported more than once per method: ${methods.join(", ")}`,
      );
      await assertCleanedUp(handler, "runs whose sink failed");
    },
  },
  {
    name: "50 concurrent interleaved runs keep their outputs and state apart",
    run: async (env) => {
      const { handler } = await build(env);
      env.server.setScript((request) => {
        const index = Number(lastUserMessage(request).replace(/\D+/g, "")) || 0;
        return {
          content: `Answer ${index}: ${"word ".repeat(3 + (index % 5)).trim()}`,
          delayMs: (index * 7) % 23,
          chunkDelayMs: index % 3,
        };
      });
      const model = fakeChatOpenAI(env.server);
      const inputs = Array.from({ length: 50 }, (_, index) => `question ${index}`);
      const runs: ConcurrentRun[] = await Promise.all(
        inputs.map(async (input, index) => {
          const output =
            index % 2 === 0
              ? String((await model.invoke(input, { callbacks: [handler] })).content)
              : (
                  (await collectStream(model.stream(input, { callbacks: [handler] }))) as {
                    contents: string[];
                  }
                ).contents.join("");
          return { input, output };
        }),
      );
      for (const [index, run] of runs.entries()) {
        assert.ok(
          run.output.startsWith(`Answer ${index}:`),
          `run ${index} got another run's output: ${run.output}`,
        );
      }
      await assertCleanedUp(handler, "50 concurrent runs");
      await env.options.afterConcurrentRuns?.(handler, runs);
    },
  },
  {
    name: "a failed call keeps its error and releases per-run state",
    run: async (env) => {
      const { handler } = await build(env);
      env.server.setScript({ status: 500, error: { message: "scripted failure" } });
      const baseline = await errorOf(fakeChatOpenAI(env.server).invoke("fail please"));
      const observed = await errorOf(
        fakeChatOpenAI(env.server).invoke("fail please", { callbacks: [handler] }),
      );
      assert.deepEqual(observed, baseline, "the run's error changed with the handler attached");
      const chainError = await errorOf(
        promptChain(fakeChatOpenAI(env.server)).invoke({ question: "x" }, { callbacks: [handler] }),
      );
      assert.equal(chainError.status, 500);
      await assertCleanedUp(handler, "a failed call");
    },
  },
  {
    name: "an aborted call releases per-run state",
    run: async (env) => {
      const { handler } = await build(env);
      requireRunCount(handler);
      env.server.setScript({ delayMs: 2_000 });
      const controller = new AbortController();
      const pending = fakeChatOpenAI(env.server).invoke("slow", {
        callbacks: [handler],
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 30);
      const error = await errorOf(pending);
      assert.match(error.name + error.message, /abort/i);
      await assertCleanedUp(handler, "an aborted call");
    },
  },
  {
    name: "a stream the consumer breaks out of is evicted once idle past the TTL",
    run: async (env) => {
      const { handler, clock } = await build(env);
      requireRunCount(handler);
      env.server.setScript({ content: "one two three four five six seven", chunkDelayMs: 5 });
      for await (const chunk of await fakeChatOpenAI(env.server).stream("break early", {
        callbacks: [handler],
      })) {
        if (String(chunk.content).length > 0) break;
      }
      await awaitAllCallbacks();
      clock.advance(TTL_MS + 1);
      await assertCleanedUp(handler, "an abandoned stream, past its TTL");
    },
  },
  {
    name: "attached at the model constructor: output unchanged, state released",
    run: async (env) => {
      const { handler } = await build(env);
      for (const workload of WORKLOADS.slice(0, 3)) {
        const { baseline, observed } = await baselineAndSubject(
          env,
          workload,
          [],
          fakeChatOpenAI(env.server, { callbacks: [handler] }),
        );
        assert.deepEqual(
          observed,
          baseline,
          `the ${workload.name} output changed with the handler on the constructor`,
        );
      }
      await assertCleanedUp(handler, "runs with the handler on the constructor");
    },
  },
  {
    name: "attached at the constructor and in config.callbacks (same instance, and two instances)",
    run: async (env) => {
      const { handler } = await build(env);
      const { handler: second } = await build(env);
      for (const [label, configHandler] of [
        ["the same instance", handler],
        ["two instances", second],
      ] as const) {
        for (const workload of WORKLOADS.slice(0, 4)) {
          env.server.setScript(workload.script);
          const baseline = await workload.run(fakeChatOpenAI(env.server));
          const model = fakeChatOpenAI(env.server, { callbacks: [handler] });
          const observed = await workload.run(model, [configHandler]);
          assert.deepEqual(
            observed,
            baseline,
            `the ${workload.name} output changed when attached twice (${label})`,
          );
        }
      }
      await assertCleanedUp(handler, "double attachment");
      await assertCleanedUp(second, "double attachment");
    },
  },
  {
    name: "other handlers on the run still receive every token",
    run: async (env) => {
      const { handler } = await build(env);
      const recorder = new EventRecorder();
      env.server.setScript({ content: "tokens for everyone" });
      const output = await collectStream(
        fakeChatOpenAI(env.server).stream("tokens", { callbacks: [handler, recorder] }),
      );
      await awaitAllCallbacks();
      assert.equal(recorder.tokens().join(""), (output as { contents: string[] }).contents.join(""));
      assert.ok(
        recorder.tokens().filter(Boolean).length >= 3,
        "a neighbouring handler lost its token callbacks",
      );
    },
  },
];

/**
 * Runs one check (by name) against a handler outside any test runner, on its own fake server; rejects when the
 * check fails, resolves with `skipped` and the reason when it does not apply to the handler. This is how the suite
 * itself is tested against handlers that are broken on purpose.
 */
export async function runConformanceCheck(
  checkName: string,
  makeHandler: HandlerFactory,
  options: ConformanceOptions = {},
): Promise<ConformanceResult> {
  const check = CONFORMANCE_CHECKS.find((candidate) => candidate.name === checkName);
  if (!check) throw new Error(`No conformance check named "${checkName}"`);
  const server = await startFakeOpenAI();
  try {
    await check.run({ server, makeHandler, options });
    return { status: "passed" };
  } catch (error) {
    if (error instanceof ConformanceSkip) return { status: "skipped", reason: error.message };
    throw error;
  } finally {
    await server.close();
  }
}
