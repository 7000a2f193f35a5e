import { features } from "../src/detect.js";
import { createRedactor } from "../src/index.js";
import { SHORT_LINES } from "./speed.js";

const r = createRedactor();
for (let k = 0; k < 3; k++) {
  let s = process.cpuUsage();
  let x = 0;
  for (let rep = 0; rep < 5; rep++) for (const l of SHORT_LINES) x += features(l);
  let u = process.cpuUsage(s);
  console.log("features µs/line", ((u.user + u.system) / 5 / SHORT_LINES.length).toFixed(2), x);
  s = process.cpuUsage();
  for (let rep = 0; rep < 5; rep++) for (const l of SHORT_LINES) r.redactText(l);
  u = process.cpuUsage(s);
  console.log("redactText µs/line", ((u.user + u.system) / 5 / SHORT_LINES.length).toFixed(2));
}
