/**
 * @chainwatch/pino-logger: one structured pino record per run event, for a chain and a tool-calling agent —
 * as JSON on stdout, through pino-pretty, and to a file (flushed before exit, reopened on SIGHUP for log rotation).
 *
 *   npx tsx src/pino-logger.ts                      # embedded OpenAI-compatible server, no key needed
 *   OPENAI_API_KEY=sk-... npx tsx src/pino-logger.ts
 */
import { once } from "node:events";
import { mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { promptChain, weatherAgent, weatherAgentScript } from "@chainwatch/testkit";
import { pino } from "pino";
import pretty from "pino-pretty";
import { exampleModel, heading, runIfMain } from "./setup.js";

async function runWorkloads(handler: PinoCallbackHandler): Promise<void> {
  // Offline, the embedded server answers the agent's turns from a script (a tool call, then the answer).
  const agentTurn = weatherAgentScript("Paris");
  const { model, close } = await exampleModel((request) =>
    request.body?.tools ? agentTurn(request) : { content: "Chainwatch watches LangChain.js runs." },
  );
  try {
    await promptChain(model).invoke({ question: "What is chainwatch?" }, { callbacks: [handler] });
    await weatherAgent(model).invoke(
      { messages: [{ role: "user", content: "What's the weather in Paris?" }] },
      { callbacks: [handler] },
    );
  } finally {
    await close();
  }
}

export async function main(): Promise<void> {
  heading("pino-logger: JSON on stdout (level info, content truncated at 200 characters)");
  await runWorkloads(
    new PinoCallbackHandler({
      logger: pino({ level: "info" }, pino.destination({ dest: 1, sync: true })),
      maxLength: 200,
      metadataKeys: ["langgraph_checkpoint_ns"],
    }),
  );

  heading("pino-logger: through pino-pretty (level debug, model and tool runs only, metadata only)");
  await runWorkloads(
    new PinoCallbackHandler({
      logger: pino({ level: "debug" }, pretty({ colorize: false, sync: true, ignore: "pid,hostname" })),
      content: "none",
      filter: { runTypes: ["llm", "tool"] },
    }),
  );

  heading("pino-logger: to a file (async destination, flushed before exit)");
  // PINO_LOGGER_EXAMPLE_FILE keeps the file; otherwise it goes to a directory of its own, removed at the end.
  const keep = process.env.PINO_LOGGER_EXAMPLE_FILE;
  const dir = keep ? undefined : await mkdtemp(join(tmpdir(), "chainwatch-pino-example-"));
  const file = keep ?? join(dir ?? "", "runs.log");
  const destination = pino.destination({ dest: file, sync: false });
  // Log rotation: logrotate moves the file, then sends SIGHUP (`postrotate kill -HUP <pid>`); reopening the path
  // makes the next records go to a new file instead of the moved one.
  const reopen = () => destination.reopen();
  process.on("SIGHUP", reopen);
  const handler = new PinoCallbackHandler({ logger: pino({ level: "debug" }, destination) });
  try {
    await runWorkloads(handler);
    await handler.flush();
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    const events = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    process.stdout.write(
      `wrote ${lines.length} records to ${file}${dir ? " (removed at the end; PINO_LOGGER_EXAMPLE_FILE keeps it)" : ""}: ${[...new Set(events)].join(", ")}\n`,
    );

    heading("pino-logger: log rotation (the file is moved away, SIGHUP reopens its path)");
    const rotated = `${file}.1`;
    await rename(file, rotated);
    const reopened = once(destination, "ready");
    process.kill(process.pid, "SIGHUP");
    // A signal listener does not keep the process alive: the timer does, until the reopened file is ready.
    const timer = setTimeout(() => {}, 10_000);
    await reopened;
    clearTimeout(timer);
    await runWorkloads(handler);
    await handler.flush();
    const fresh = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    const old = (await readFile(rotated, "utf8")).split("\n").filter(Boolean);
    process.stdout.write(
      `after rotation: ${old.length} records in ${rotated}, ${fresh.length} new in ${file}\n`,
    );
  } finally {
    process.off("SIGHUP", reopen);
    destination.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, main);
