import { createRedactor, PII_TYPES } from "../src/index.js";

const S = 100_000;
const inputs: Record<string, string> = {
  "Aaaa…": `A${"a".repeat(S)}`,
  "Aa Aa …": "Aa ".repeat(S / 3),
  "1 Aa Aa …": `1 ${"Aa ".repeat(S / 3)}`,
  "Straße 1, …": "Hauptstraße 1, ".repeat(S / 15),
  "12 rue de la …": "12 rue de la ".repeat(S / 13),
  "ab12 …": "ab12 ".repeat(S / 5),
  "DE89 3704 …": "DE89 3704 ".repeat(S / 10),
  "+1 2 …": "+1 2 ".repeat(S / 5),
  "Renée …": "Renée ".repeat(S / 6),
  "J. J. …": "J. ".repeat(S / 3),
  "Ann Lee wrote …": "Ann Lee <".repeat(S / 9),
  "in Paris, …": "in Paris, ".repeat(S / 10),
  "1 1 1": "1 ".repeat(S / 2),
  "password=": "password=".repeat(S / 9),
  "Via Via …": "Via ".repeat(S / 4),
  "10 Aa Street, Aa, AA 12345 …": "10 Aa Street, Aa, AA 12345 ".repeat(S / 27),
  ÄÄÄ: "Ä".repeat(S),
  "a:a:": "a:".repeat(S / 2),
  "www.": "www.".repeat(S / 4),
};
const r = createRedactor({ types: PII_TYPES });
let worst = 0;
for (const [name, text] of Object.entries(inputs)) {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = process.cpuUsage();
    r.redact(text);
    const u = process.cpuUsage(s);
    times.push((u.user + u.system) / 1000);
  }
  const t = Math.min(...times);
  worst = Math.max(worst, t);
  console.log(name.padEnd(32), t.toFixed(1), "ms");
}
console.log("worst", worst.toFixed(1));
