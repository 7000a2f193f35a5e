import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fakeChatOpenAI, weatherAgent, weatherAgentScript } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { shouldColor } from "../src/color.js";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "../src/index.js";
import { CaptureStream, stripAnsi, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();
const ESC = "\u001b[";

/** An agent run with tool-call lines (cyan) and reasoning (dim) on a terminal or a pipe. */
async function agentOutput(isTTY: boolean, options: StdoutStreamOptions): Promise<string> {
  server().setScript((request) => ({ ...weatherAgentScript("Paris")(request), reasoning: "thinking" }));
  const stream = new CaptureStream({ isTTY });
  await weatherAgent(fakeChatOpenAI(server())).invoke(
    { messages: [{ role: "user", content: "Weather in Paris?" }] },
    {
      callbacks: [new StdoutStreamCallbackHandler({ stream, toolCalls: true, reasoning: true, ...options })],
    },
  );
  await awaitAllCallbacks();
  return stream.text;
}

const root = fileURLToPath(new URL("../../../", import.meta.url));
const child = fileURLToPath(new URL("./fixtures/color-child.ts", import.meta.url));

/** Runs the fixture with stdout on a pipe, or on a pseudo-terminal under util-linux `script`. */
function runChild(onTerminal: boolean, extraEnv: Record<string, string> = {}): Promise<string> {
  const env: Record<string, string | undefined> = { ...process.env, ...extraEnv };
  for (const name of ["NO_COLOR", "FORCE_COLOR"]) if (!(name in extraEnv)) delete env[name];
  env.TERM = "xterm-256color";
  const command = `node --import tsx ${JSON.stringify(child)}`;
  const [file, args] = onTerminal ? ["script", ["-qec", command, "/dev/null"]] : ["bash", ["-c", command]];
  return new Promise((resolve, reject) => {
    const proc = spawn(file, args, { cwd: root, env });
    let stdout = "";
    proc.stdout.on("data", (data: Buffer) => {
      stdout += data.toString();
    });
    proc.on("error", reject);
    proc.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stdout}`))));
  });
}

describe("colour on a real terminal and a real pipe", () => {
  it("process.stdout on a pseudo-terminal: coloured tool lines", async () => {
    const out = await runChild(true);
    expect(out).toContain(`${ESC}36m→ get_weather({"city":"Paris"})${ESC}39m`);
    expect(stripAnsi(out).replace(/\r\n/g, "\n")).toContain("The weather in Paris is sunny, 21°C.\n");
  }, 60_000);

  it("process.stdout on a pipe: the same lines without escape codes", async () => {
    const out = await runChild(false);
    expect(out).toBe(
      '→ get_weather({"city":"Paris"})\n← It is 21°C and sunny in Paris.\nThe weather in Paris is sunny, 21°C.\n',
    );
  }, 60_000);

  it("NO_COLOR on a terminal: no escape codes", async () => {
    expect(await runChild(true, { NO_COLOR: "1" })).not.toContain(ESC);
  }, 60_000);
});

describe("colour", () => {
  it("a TTY gets colour: cyan tool calls, dim results and reasoning; the answer itself stays plain", async () => {
    const text = await agentOutput(true, { env: {} });
    expect(text).toContain(`${ESC}36m→ get_weather({"city":"Paris"})${ESC}39m\n`);
    expect(text).toContain(`${ESC}2m← It is 21°C and sunny in Paris.${ESC}22m\n`);
    expect(text).toContain(`${ESC}2mthinking${ESC}22m`);
    expect(text).toContain("\nThe weather in Paris is sunny, 21°C.\n");
  });

  it("a pipe gets no escape codes, and the same text otherwise", async () => {
    const piped = await agentOutput(false, { env: {} });
    expect(piped).not.toContain(ESC);
    expect(piped).toBe(stripAnsi(await agentOutput(true, { env: {} })));
  });

  it("NO_COLOR turns colour off on a TTY; FORCE_COLOR turns it on in a pipe", async () => {
    expect(await agentOutput(true, { env: { NO_COLOR: "1" } })).not.toContain(ESC);
    expect(await agentOutput(false, { env: { FORCE_COLOR: "1" } })).toContain(ESC);
  });

  it("color: false and color: true override detection", async () => {
    expect(await agentOutput(true, { env: { FORCE_COLOR: "3" }, color: false })).not.toContain(ESC);
    expect(await agentOutput(false, { env: {}, color: true })).toContain(ESC);
  });

  it("sse and ndjson are never coloured", async () => {
    expect(await agentOutput(true, { env: { FORCE_COLOR: "1" }, format: "sse" })).not.toContain(ESC);
    expect(await agentOutput(true, { env: { FORCE_COLOR: "1" }, format: "ndjson" })).not.toContain(ESC);
  });

  it("detection rules: FORCE_COLOR first, then NO_COLOR and TERM=dumb, then isTTY", () => {
    const tty = new CaptureStream({ isTTY: true });
    const pipe = new CaptureStream();
    expect(shouldColor("auto", tty, {})).toBe(true);
    expect(shouldColor("auto", pipe, {})).toBe(false);
    expect(shouldColor("auto", tty, { NO_COLOR: "" })).toBe(true);
    expect(shouldColor("auto", tty, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColor("auto", tty, { TERM: "dumb" })).toBe(false);
    expect(shouldColor("auto", pipe, { FORCE_COLOR: "" })).toBe(true);
    expect(shouldColor("auto", tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(shouldColor("auto", tty, { FORCE_COLOR: "false" })).toBe(false);
    expect(shouldColor("auto", pipe, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
  });
});
