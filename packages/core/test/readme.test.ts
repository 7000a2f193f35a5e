import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { startFakeOpenAI, TEST_API_KEY } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterEach, expect, it, vi } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The first ```ts block after a heading. */
function snippetAfter(heading: string): string {
  const section = readme.slice(readme.indexOf(heading));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`no ts snippet after ${heading}`);
  return match[1];
}

const snippetFile = new URL(`./readme-snippet-${process.pid}.ts`, import.meta.url);

afterEach(() => {
  rmSync(snippetFile, { force: true });
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

it('the README\'s "Write your own handler" snippet runs as written against an OpenAI-compatible server', async () => {
  const server = await startFakeOpenAI({ content: "Hi there friend" });
  try {
    // The snippet builds ChatOpenAI without a URL or key: the OpenAI SDK reads both from the environment.
    vi.stubEnv("OPENAI_BASE_URL", server.baseURL);
    vi.stubEnv("OPENAI_API_KEY", TEST_API_KEY);
    const logged: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      logged.push(args.join(" "));
    });
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    writeFileSync(snippetFile, snippetAfter("### Write your own handler"));
    await import(/* @vite-ignore */ snippetFile.href);
    await awaitAllCallbacks();
    vi.restoreAllMocks();
    expect(written.join("")).toBe("Hi there friend");
    expect(logged).toEqual([expect.stringMatching(/^gpt-4o-mini: 3 chunks, \d+ tokens$/)]);
    expect(server.completions()).toHaveLength(1);
  } finally {
    await server.close();
  }
});
