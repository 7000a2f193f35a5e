#!/usr/bin/env node
// Runs one command with its output held back: on success it prints a single line, on failure everything the command
// printed (then exits with its code). `npm test` uses it for the build, typecheck and lint steps so that a green run
// shows test results and nothing else — tsdown's and turbo's banners and warnings appear only when a step fails.
//
// Usage: node scripts/quiet.mjs "<label>" <command> [args...]
import { spawn } from "node:child_process";

const [label, command, ...args] = process.argv.slice(2);
if (!label || !command) {
  console.error('usage: node scripts/quiet.mjs "<label>" <command> [args...]');
  process.exit(2);
}

const started = performance.now();
const chunks = [];
// `shell` only on Windows, where npm's bin shims are .cmd files; elsewhere the command runs directly.
const child = spawn(command, args, {
  stdio: ["ignore", "pipe", "pipe"],
  shell: process.platform === "win32",
});
child.stdout.on("data", (chunk) => chunks.push(chunk));
child.stderr.on("data", (chunk) => chunks.push(chunk));
child.on("error", (error) => {
  console.error(`${label}: could not start ${command}: ${error.message}`);
  process.exit(127);
});
child.on("close", (code, signal) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (code === 0) {
    console.log(`${label}: ok (${seconds}s)`);
    return;
  }
  process.stdout.write(Buffer.concat(chunks));
  console.error(`\n${label}: failed (${signal ?? `exit code ${code}`}) after ${seconds}s — output above`);
  process.exit(code ?? 1);
});
