// Sink faults: a log destination that errors, an output stream that is closed, a metrics library that throws.
// The run's result is unchanged and each fault is reported once per callback, not once per event.
import { Writable } from "node:stream";
import type { HandlerErrorContext } from "@chainwatch/core";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import { InProcessChatModel } from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { pino } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";

const model = new InProcessChatModel({ tokens: 20, token: "t " });

async function workload(callbacks: BaseCallbackHandler[]): Promise<string[]> {
  const outputs: string[] = [];
  for (let index = 0; index < 50; index++) {
    if (index % 2) outputs.push(String((await model.invoke(`q${index}`, { callbacks })).content));
    else {
      let text = "";
      for await (const chunk of await model.stream(`q${index}`, { callbacks })) text += String(chunk.content);
      outputs.push(text);
    }
  }
  await awaitAllCallbacks();
  return outputs;
}

function reporter() {
  const reports: HandlerErrorContext[] = [];
  return {
    reports,
    onHandlerError: (_error: unknown, context: HandlerErrorContext) => reports.push(context),
  };
}

function expectReportedOncePerMethod(reports: HandlerErrorContext[]) {
  expect(reports.length).toBeGreaterThan(0);
  const methods = reports.map((report) => report.method);
  expect(new Set(methods).size, `reported more than once per method: ${methods.join(", ")}`).toBe(
    methods.length,
  );
}

const baseline = await workload([]);

describe("sink faults", () => {
  const restore: (() => void)[] = [];
  afterEach(() => {
    for (const undo of restore.splice(0)) undo();
  });

  it("a pino destination whose writes fail asynchronously", async () => {
    const destination = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error("disk full"));
      },
    });
    const { reports, onHandlerError } = reporter();
    const handler = new PinoCallbackHandler({
      logger: pino({ level: "debug" }, destination),
      onHandlerError,
    });
    expect(await workload([handler])).toEqual(baseline);
    expectReportedOncePerMethod(reports);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a pino destination whose writes throw", async () => {
    const destination = {
      write: () => {
        throw new Error("EBADF");
      },
    };
    const { reports, onHandlerError } = reporter();
    const handler = new PinoCallbackHandler({
      logger: pino({ level: "debug" }, destination),
      onHandlerError,
    });
    expect(await workload([handler])).toEqual(baseline);
    expectReportedOncePerMethod(reports);
  });

  it("an output stream closed before the run (stdout gone)", async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    stream.destroy();
    const { reports, onHandlerError } = reporter();
    const handler = new StdoutStreamCallbackHandler({ stream, errorOutput: false, onHandlerError });
    expect(await workload([handler])).toEqual(baseline);
    expectReportedOncePerMethod(reports);
    expect(handler.activeRunCount).toBe(0);
  });

  it("a metrics library that throws on every update and on scrape", async () => {
    for (const Metric of [Counter, Gauge, Histogram] as unknown as { prototype: Record<string, unknown> }[]) {
      for (const method of ["inc", "dec", "set", "observe"]) {
        const original = Metric.prototype[method];
        if (typeof original !== "function") continue;
        Metric.prototype[method] = () => {
          throw new Error(`prom-client ${method} failed`);
        };
        restore.push(() => {
          Metric.prototype[method] = original;
        });
      }
    }
    const registry = new Registry();
    const { reports, onHandlerError } = reporter();
    const handler = new PrometheusCallbackHandler({ registry, onHandlerError });
    expect(await workload([handler])).toEqual(baseline);
    await registry.metrics().catch(() => "");
    expectReportedOncePerMethod(reports);
    expect(handler.activeRunCount).toBe(0);
  });
});
