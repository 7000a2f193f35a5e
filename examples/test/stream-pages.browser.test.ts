/**
 * The SSE and WebSocket pages in a real browser: Debian's chromium, driven by playwright-core. Skips only where no
 * chromium is installed, and fails in CI (`CI=true`) when it is missing.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSseServer } from "../src/stdout-stream-sse.js";
import { startWebSocketServer } from "../src/stdout-stream-websocket.js";
import { answerFor, weatherScript } from "../src/stream-ui-agent.js";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_BROWSER = existsSync(CHROMIUM);
/**
 * The README's screenshots are taken by the concurrency test. They go to a temporary directory, so that a test run
 * leaves the working tree as it was; `UPDATE_SCREENSHOTS=1` writes them over the README's copies.
 */
const DOCS = fileURLToPath(new URL("../../packages/stdout-stream/docs/", import.meta.url));
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";

interface Paint {
  pane: string;
  t: number;
  text: string;
}

interface App {
  url: string;
  inFlight: () => number;
  close: () => Promise<void>;
}

async function ask(page: Page, pane: "left" | "right"): Promise<void> {
  await page.click(`section[data-pane="${pane}"] button`);
}

async function waitDone(page: Page, pane: "left" | "right"): Promise<void> {
  // A string runs in the page (this project's types have no DOM).
  const done = `document.querySelector('section[data-pane="${pane}"] .status')?.textContent?.startsWith("done")`;
  await page.waitForFunction(done, undefined, { timeout: 15_000 });
}

async function paintsOf(page: Page, pane: string): Promise<Paint[]> {
  const paints = (await page.evaluate("window.paints")) as Paint[];
  return paints.filter((paint) => paint.pane === pane);
}

async function answerText(page: Page, pane: string): Promise<string> {
  return (await page.locator(`section[data-pane="${pane}"] .answer`).textContent()) ?? "";
}

/** Every paint shows a prefix of the final answer, growing: each token exactly once, in order. */
function expectProgressive(paints: Paint[], final: string): void {
  let length = 0;
  for (const paint of paints) {
    expect(final.startsWith(paint.text)).toBe(true);
    expect(paint.text.length).toBeGreaterThanOrEqual(length);
    length = paint.text.length;
  }
  expect(paints.at(-1)?.text).toBe(final);
  // Tokens arrived over time, not in one paint: several updates spread over the run.
  const times = new Set(paints.map((paint) => Math.round(paint.t)));
  expect(times.size).toBeGreaterThanOrEqual(8);
  const first = paints[0]?.t ?? 0;
  expect((paints.at(-1)?.t ?? 0) - first).toBeGreaterThan(100);
}

async function waitIdle(app: App): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (app.inFlight() !== 0) {
    if (Date.now() > deadline) throw new Error(`runs still in flight: ${app.inFlight()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const health = await fetch(`${app.url}/health`);
  expect(await health.json()).toMatchObject({ ok: true, inFlight: 0 });
}

const PAGES = [
  { name: "SSE", start: startSseServer, screenshot: "sse-page.png" },
  { name: "WebSocket", start: startWebSocketServer, screenshot: "websocket-page.png" },
] as const;

if (!HAVE_BROWSER && process.env.CI === "true") {
  it("chromium is installed (required in CI: apt-get install chromium)", () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing`).toBe(true);
  });
}

describe.skipIf(!HAVE_BROWSER)(`streaming pages in chromium (${CHROMIUM})`, () => {
  let fake: FakeOpenAI;
  let context: BrowserContext;
  let profile: string;
  let screenshots: string;

  beforeAll(async () => {
    fake = await startFakeOpenAI(weatherScript(25));
    profile = await mkdtemp(join(tmpdir(), "chainwatch-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 520 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    screenshots = UPDATE_SCREENSHOTS ? DOCS : await mkdtemp(join(tmpdir(), "chainwatch-screenshots-"));
    await mkdir(screenshots, { recursive: true });
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await fake?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    if (screenshots && !UPDATE_SCREENSHOTS) await rm(screenshots, { recursive: true, force: true });
  });

  describe.each(PAGES)("the $name page", ({ name, start, screenshot }) => {
    let app: App;
    let page: Page;
    const frames: string[] = [];

    beforeAll(async () => {
      app = await start(fakeChatOpenAI(fake));
      page = await context.newPage();
      page.on("websocket", (socket) =>
        socket.on("framereceived", (frame) => frames.push(String(frame.payload))),
      );
    });

    afterAll(async () => {
      await page?.close();
      await app?.close();
    });

    async function open(): Promise<void> {
      await page.goto(`${app.url}/`);
      if (name === "WebSocket") await page.waitForSelector("#socket:text('connected')");
    }

    it("tokens arrive progressively, exactly once, in order; the progress line names the tool", async () => {
      await open();
      await ask(page, "left");
      await waitDone(page, "left");
      const final = answerFor("Paris");
      expect(await answerText(page, "left")).toBe(final);
      expectProgressive(await paintsOf(page, "left"), final);
      const progress = (await page.evaluate("window.progressLog")) as { pane: string; text: string }[];
      expect(progress.filter((p) => p.pane === "left").map((p) => p.text)).toContain("calling get_weather…");
      expect(await page.locator('section[data-pane="left"] .progress').textContent()).toBe(
        "get_weather done",
      );
    });

    it("two concurrent conversations do not mix", async () => {
      await open();
      await ask(page, "left");
      await ask(page, "right");
      await Promise.all([waitDone(page, "left"), waitDone(page, "right")]);
      expect(await answerText(page, "left")).toBe(answerFor("Paris"));
      expect(await answerText(page, "right")).toBe(answerFor("Oslo"));
      const left = await paintsOf(page, "left");
      const right = await paintsOf(page, "right");
      expectProgressive(left, answerFor("Paris"));
      expectProgressive(right, answerFor("Oslo"));
      // They really ran at the same time: the two panes' paints overlap in time.
      expect(left[0]?.t ?? 0).toBeLessThan(right.at(-1)?.t ?? 0);
      expect(right[0]?.t ?? 0).toBeLessThan(left.at(-1)?.t ?? 0);
      const shot = join(screenshots, screenshot);
      await page.screenshot({ path: shot });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
    });

    it("a reload in the middle of a run leaves the server healthy", async () => {
      await open();
      await ask(page, "left");
      await page.waitForFunction("window.paints.length >= 3", undefined, { timeout: 10_000 });
      expect(app.inFlight()).toBe(1);
      await page.reload();
      // The page that went away aborted its run; nothing is left running, and the next page is served.
      await waitIdle(app);
      if (name === "WebSocket") {
        // The socket closed mid-run: reported once by the handler, counted by the example server.
        const health = (await (await fetch(`${app.url}/health`)).json()) as { leftMidRun: number };
        expect(health.leftMidRun).toBe(1);
      }
      await open();
      await ask(page, "right");
      await waitDone(page, "right");
      expect(await answerText(page, "right")).toBe(answerFor("Oslo"));
    });

    it("with redaction on, nothing raw reaches the page", async () => {
      frames.length = 0;
      await open();
      await page.check("#redact");
      await ask(page, "left");
      await waitDone(page, "left");
      const text = await answerText(page, "left");
      expect(text).toContain("[EMAIL]");
      expect(text).not.toContain("@example.com");
      for (const paint of await paintsOf(page, "left")) expect(paint.text).not.toContain("@example.com");
      for (const frame of frames) expect(frame).not.toContain("@example.com");
      if (name === "WebSocket") expect(frames.some((frame) => frame.includes("[EMAIL]"))).toBe(true);
    });
  });
});

if (!HAVE_BROWSER && process.env.CI !== "true") {
  describe("streaming pages in chromium", () => {
    it.skip(`skipped: no browser at ${CHROMIUM} (apt-get install chromium; required when CI=true)`, () => {});
  });
}
