import { InProcessChatModel, NoopCallbackHandler } from "@chainwatch/testkit";
import { pino } from "pino";
import { Bench } from "tinybench";
import { PinoCallbackHandler } from "../src/index.js";

process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
const model = new InProcessChatModel({ tokens: 10 });
const sinkNoop = { write(_s: string) {} };
const cases: [string, () => any][] = [
  ["noop", () => new NoopCallbackHandler()],
  [
    "pino none sync",
    () =>
      new PinoCallbackHandler({
        logger: pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true })),
        content: "none",
      }),
  ],
  [
    "pino none async4k",
    () =>
      new PinoCallbackHandler({
        logger: pino(
          { level: "info" },
          pino.destination({ dest: "/dev/null", sync: false, minLength: 4096 }),
        ),
        content: "none",
      }),
  ],
  [
    "pino none memory-noop",
    () => new PinoCallbackHandler({ logger: pino({ level: "info" }, sinkNoop), content: "none" }),
  ],
  [
    "pino none level warn (end disabled, start tracked)",
    () => new PinoCallbackHandler({ logger: pino({ level: "warn" }, sinkNoop), content: "none" }),
  ],
  [
    "raw pino.info 1 record sync",
    () => {
      const l = pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true }));
      const h = new NoopCallbackHandler();
      (h as any).handleLLMEnd = () =>
        l.info({ run_id: "01a20da2-7a61-714d-941e-4e1faa94d0a4", x: 1 }, "llm.end");
      return h;
    },
  ],
  ["noop2", () => new NoopCallbackHandler()],
];
const bench = new Bench({ time: 2000, warmupTime: 300 });
for (const [n, m] of cases) {
  const cb = [m()];
  bench.add(n, async () => {
    await model.invoke("What is chainwatch?", { callbacks: cb });
  });
}
await bench.run();
for (const t of bench.tasks) {
  const r: any = t.result;
  console.log(t.name.padEnd(55), (r.latency.p50 * 1000).toFixed(2), "µs");
}
