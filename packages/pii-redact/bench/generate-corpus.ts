/**
 * Writes bench/corpus.txt: the labelled corpus the quality report runs on. Deterministic (seeded), so the file
 * is reproducible: `npx tsx bench/generate-corpus.ts`. Line format: `P<TAB>text` (labelled values inline as
 * `{{TYPE|value}}`) or `N<TAB>text` (a hard negative: nothing in it is personal data). `\n` in a line is a
 * newline.
 *
 * Values are generated valid (Luhn, mod-97, SSA rules, libphonenumber-valid numbers, provider key shapes) so
 * that the labels match what a careful human annotator would mark; hard negatives are the look-alikes that
 * trip detectors: order numbers, versions, timestamps, UUIDs, hashes, invalid-checksum cards and IBANs, maths
 * and code. The same author wrote the detectors and this corpus: treat our scores as optimistic, and compare
 * the libraries on the same lines.
 */
import { writeFileSync } from "node:fs";
import { isValidIBAN } from "ibantools";

let seed = 0x5eed1234;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const chars = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet.charAt(Math.floor(random() * alphabet.length))).join("");
const DIGITS = "0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const BASE62 = `${UPPER}abcdefghijklmnopqrstuvwxyz${DIGITS}`;
const HEX = "0123456789abcdef";
const label = (type: string, value: string) => `{{${type}|${value}}}`;

// ---------- value generators ----------
const FIRST = [
  "maria",
  "john",
  "wei",
  "priya",
  "lars",
  "fatima",
  "diego",
  "anna",
  "tom",
  "olga",
  "kenji",
  "amara",
];
const LAST = [
  "gonzalez",
  "smith",
  "zhang",
  "natarajan",
  "nilsson",
  "haddad",
  "ruiz",
  "kowalski",
  "baker",
  "petrova",
];
const DOMAINS = [
  "example.com",
  "mail.example.org",
  "corp.example.co.uk",
  "example.io",
  "uni-example.de",
  "example.fr",
];
function email(): string {
  const first = pick(FIRST);
  const last = pick(LAST);
  const local = pick([
    `${first}.${last}`,
    `${first}_${last}${int(1, 99)}`,
    `${first[0]}${last}`,
    `${first}+billing`,
    `${first.toUpperCase()}.${last}`,
    `ops-${first}`,
  ]);
  return `${local}@${pick(DOMAINS)}`;
}

function phone(): string {
  const us = () => {
    const area = pick(["212", "415", "646", "312", "617", "303", "512", "206"]);
    const exchange = `${int(2, 9)}${int(0, 9)}${int(0, 9)}`;
    const line = chars(DIGITS, 4);
    return pick([
      `(${area}) ${exchange}-${line}`,
      `${area}-${exchange}-${line}`,
      `${area}.${exchange}.${line}`,
      `+1 ${area} ${exchange} ${line}`,
      `+1-${area}-${exchange}-${line}`,
    ]);
  };
  const uk = () =>
    pick([
      `+44 20 7946 0${chars(DIGITS, 3)}`,
      `020 7946 0${chars(DIGITS, 3)}`,
      `07911 ${int(1, 9)}${chars(DIGITS, 5)}`,
      `+44 7911 ${int(1, 9)}${chars(DIGITS, 5)}`,
    ]);
  const de = () =>
    pick([
      `+49 30 ${int(2, 9)}${chars(DIGITS, 7)}`,
      `030 ${int(2, 9)}${chars(DIGITS, 7)}`,
      `+49 151 ${chars(DIGITS, 8)}`,
    ]);
  const fr = () => {
    const pairs = Array.from({ length: 4 }, () => chars(DIGITS, 2)).join(" ");
    return pick([`+33 6 ${pairs}`, `06 ${pairs}`, `+33 1 ${pairs}`]);
  };
  const india = () => `+91 ${int(7, 9)}${chars(DIGITS, 4)} ${chars(DIGITS, 5)}`;
  return pick([us, us, uk, de, fr, india])();
}

function luhnComplete(prefix: string, length: number): string {
  let body = prefix + chars(DIGITS, length - prefix.length - 1);
  for (let check = 0; check < 10; check++) {
    const candidate = body + check;
    let sum = 0;
    let double = false;
    for (let index = candidate.length - 1; index >= 0; index--) {
      let digit = Number(candidate[index]);
      if (double) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
      double = !double;
    }
    if (sum % 10 === 0) return candidate;
  }
  body = "";
  return body;
}
function groupCard(digits: string, separator: string): string {
  if (digits.length === 15)
    return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(separator);
  if (digits.length === 14)
    return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(separator);
  return digits.match(/.{1,4}/g)?.join(separator) ?? digits;
}
function card(valid = true): string {
  const [prefix, length] = pick([
    ["4", 16],
    ["4", 16],
    [`5${int(1, 5)}`, 16],
    ["2221", 16],
    [`3${pick(["4", "7"])}`, 15],
    ["6011", 16],
    ["3530", 16],
    ["36", 14],
    ["4", 13],
  ] as const);
  let digits = luhnComplete(prefix, length);
  if (!valid) digits = digits.slice(0, -1) + ((Number(digits.at(-1)) + int(1, 9)) % 10);
  return pick([groupCard(digits, " "), groupCard(digits, "-"), digits, groupCard(digits, " ")]);
}

function mod97(value: string): number {
  let rest = 0;
  for (const char of value) {
    const code = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of code) rest = (rest * 10 + Number(digit)) % 97;
  }
  return rest;
}
function iban(valid = true): string {
  for (;;) {
    const [country, bban] = pick([
      ["DE", () => chars(DIGITS, 18)],
      ["GB", () => `${pick(["WEST", "NWBK", "BARC", "MIDL"])}${chars(DIGITS, 14)}`],
      ["AT", () => chars(DIGITS, 16)],
      ["CH", () => chars(DIGITS, 17)],
      ["IE", () => `${pick(["AIBK", "BOFI"])}${chars(DIGITS, 14)}`],
      ["IT", () => `${chars(UPPER, 1)}${chars(DIGITS, 10)}${chars(DIGITS, 12)}`],
      ["LU", () => chars(DIGITS, 16)],
      ["DK", () => chars(DIGITS, 14)],
    ] as const);
    const body = bban();
    const check = String(98 - mod97(`${body}${country}00`)).padStart(2, "0");
    let compact = `${country}${check}${body}`;
    if (!valid) compact = `${country}${String((Number(check) + int(1, 9)) % 100).padStart(2, "0")}${body}`;
    if (isValidIBAN(compact) !== valid) continue;
    return random() < 0.6 ? (compact.match(/.{1,4}/g)?.join(" ") ?? compact) : compact;
  }
}

function ipv4(): string {
  return pick([
    `203.0.113.${int(1, 254)}`,
    `198.51.100.${int(1, 254)}`,
    `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
    `192.168.${int(0, 255)}.${int(1, 254)}`,
    `172.${int(16, 31)}.${int(0, 255)}.${int(1, 254)}`,
    `${int(11, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  ]);
}
function ipv6(): string {
  const group = () => chars(HEX, int(1, 4)).replace(/^0+(?=.)/, "");
  return pick([
    `2001:db8:${group()}:${group()}::${group()}`,
    `2001:0db8:85a3:0000:0000:8a2e:0370:${chars(HEX, 4)}`,
    `fe80::${group()}:${group()}:${group()}:${group()}`,
    `2a02:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}`,
  ]);
}
function mac(): string {
  const bytes = Array.from({ length: 6 }, () => chars(HEX, 2));
  return pick([
    bytes.join(":").toUpperCase(),
    bytes.join(":"),
    bytes.join("-").toUpperCase(),
    `${bytes[0]}${bytes[1]}.${bytes[2]}${bytes[3]}.${bytes[4]}${bytes[5]}`,
  ]);
}
function ssnParts(): [string, string, string] {
  let area = int(1, 899);
  if (area === 666) area = 667;
  return [
    String(area).padStart(3, "0"),
    String(int(1, 99)).padStart(2, "0"),
    String(int(1, 9999)).padStart(4, "0"),
  ];
}

function jwt(): string {
  const b64 = (value: string) => Buffer.from(value).toString("base64url");
  return `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(`{"sub":"${int(1000, 99999)}","name":"${pick(FIRST)}","iat":${int(1_600_000_000, 1_750_000_000)}}`)}.${chars(`${BASE62}-_`, 43)}`;
}
function pem(): string {
  const body = Array.from({ length: 3 }, () => chars(`${BASE62}+/`, 64)).join("\\n");
  const kind = pick(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]);
  return `-----BEGIN ${kind}-----\\n${body}\\n-----END ${kind}-----`;
}

/** Lines whose labelled spans are the whole key; keyword-context values label only the value. */
function apiKeyLine(): string {
  return pick([
    () => `Use ${label("API_KEY", `sk-proj-${chars(`${BASE62}_-`, 48)}`)} for the staging project.`,
    () => `OPENAI_API_KEY=${label("API_KEY", `sk-${chars(BASE62, 48)}`)}`,
    () => `export ANTHROPIC_API_KEY="${label("API_KEY", `sk-ant-api03-${chars(`${BASE62}_-`, 93)}AA`)}"`,
    () => `aws access key ${label("API_KEY", `AKIA${chars(`${UPPER}234567`, 16)}`)} leaked in the logs`,
    () => `aws_secret_access_key = ${label("API_KEY", chars(`${BASE62}/+`, 40))}`,
    () => `git clone with token ${label("API_KEY", `ghp_${chars(BASE62, 36)}`)}`,
    () => `GITHUB_TOKEN: ${label("API_KEY", `github_pat_${chars(BASE62, 22)}_${chars(BASE62, 59)}`)}`,
    () =>
      `slack bot ${label("API_KEY", `xoxb-${chars(DIGITS, 12)}-${chars(DIGITS, 13)}-${chars(BASE62, 24)}`)} posts alerts`,
    () => `Stripe secret: ${label("API_KEY", `sk_live_${chars(BASE62, 24)}`)}`,
    () => `maps key=${label("API_KEY", `AIza${chars(`${BASE62}_-`, 35)}`)}`,
    () => `Authorization: Bearer ${label("API_KEY", jwt())}`,
    () => `the session cookie was ${label("API_KEY", jwt())}`,
    () => `key file:\\n${label("API_KEY", pem())}`,
    () =>
      `DATABASE_URL=${label("API_KEY", `postgres://app_user:${chars(BASE62, 14)}@db.${pick(DOMAINS)}:5432/prod`)}`,
    () =>
      `connect to ${label("API_KEY", `mongodb+srv://admin:${chars(BASE62, 12)}!@cluster0.example.net/app`)}`,
    () =>
      `Server=db01;Database=crm;User Id=sa;Password=${label("API_KEY", `${chars(BASE62, 10)}#${int(10, 99)}`)};`,
    () =>
      `my password is ${label("API_KEY", `${pick(["Tr0ub4dor", "hunter", "Summer", "P@ssw0rd"])}${int(10, 99)}!`)}`,
    () => `{"api_key": "${label("API_KEY", chars(BASE62, 32))}", "region": "eu"}`,
    () => `client_secret: ${label("API_KEY", `GOCSPX-${chars(`${BASE62}_-`, 28)}`)}`,
    () => `npm token ${label("API_KEY", `npm_${chars(BASE62, 36)}`)} in .npmrc`,
  ])();
}

const URL_PATHS = [
  "docs/getting-started",
  "orders/8841?ref=mail",
  "a/b/c.html#top",
  "search?q=pii+redaction&lang=en",
  "",
];
function url(): string {
  const host = pick(["example.com", "www.example.org", "shop.example.co.uk", "docs.example.io"]);
  return pick([
    `https://${host}/${pick(URL_PATHS)}`,
    `http://${host}/${pick(URL_PATHS)}`,
    `www.example.net/${pick(URL_PATHS)}`,
  ]);
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
function dob(): string {
  const year = int(1940, 2006);
  const month = int(1, 12);
  const day = int(1, 28);
  const mm = String(month).padStart(2, "0");
  const dd = String(day).padStart(2, "0");
  return pick([
    `${year}-${mm}-${dd}`,
    `${mm}/${dd}/${year}`,
    `${dd}.${mm}.${year}`,
    `${day} ${MONTHS[month - 1]} ${year}`,
    `${MONTHS[month - 1]} ${day}, ${year}`,
    `${MONTHS[month - 1]?.slice(0, 3)} ${day} ${year}`,
  ]);
}
const cap = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);
const fullName = () => `${cap(pick(FIRST))} ${cap(pick(LAST))}`;

// ---------- positive lines ----------
const positives: (() => string)[] = [
  () => `Please reply to ${label("EMAIL", email())} before Friday.`,
  () => `From: ${label("EMAIL", email())}\\nSubject: refund`,
  () => `cc ${label("EMAIL", email())}, ${label("EMAIL", email())}`,
  () => `<${label("EMAIL", email())}> wrote: thanks!`,
  () => `Call me on ${label("PHONE", phone())} after 5pm.`,
  () => `Phone: ${label("PHONE", phone())}`,
  () => `You can reach the clinic at ${label("PHONE", phone())} or ${label("PHONE", phone())}.`,
  () => `mobile ${label("PHONE", phone())} (whatsapp too)`,
  () => `My card number is ${label("CREDIT_CARD", card())}, expiry 09/28.`,
  () => `charged ${label("CREDIT_CARD", card())} twice`,
  () => `card: ${label("CREDIT_CARD", card())} cvv 123`,
  () => `Please refund to IBAN ${label("IBAN", iban())}.`,
  () => `Bank details: ${label("IBAN", iban())} (BIC DEUTDEFF)`,
  () => `transfer from ${label("IBAN", iban())} to ${label("IBAN", iban())}`,
  () => `Login from ${label("IP_ADDRESS", ipv4())} was blocked.`,
  () => `client_ip=${label("IP_ADDRESS", ipv4())} status=403`,
  () => `The host resolves to ${label("IP_ADDRESS", ipv6())} over IPv6.`,
  () => `ssh admin@${label("IP_ADDRESS", ipv4())}`,
  () => `device MAC ${label("MAC_ADDRESS", mac())} joined the network`,
  () => `wlan0 ether ${label("MAC_ADDRESS", mac())}`,
  () => {
    const [a, g, s] = ssnParts();
    return `SSN: ${label("US_SSN", `${a}-${g}-${s}`)}`;
  },
  () => {
    const [a, g, s] = ssnParts();
    return `my social security number is ${label("US_SSN", `${a}${g}${s}`)}`;
  },
  () => {
    const [a, g, s] = ssnParts();
    return `Employee ${label("US_SSN", `${a}-${g}-${s}`)} filed the W-2.`;
  },
  () => {
    const [a, g, s] = ssnParts();
    return `SSN ${label("US_SSN", `${a} ${g} ${s}`)} on the form`;
  },
  apiKeyLine,
  apiKeyLine,
  apiKeyLine,
  apiKeyLine,
  apiKeyLine,
  apiKeyLine,
  apiKeyLine,
  apiKeyLine,
  () => `Docs are at ${label("URL", url())} for details.`,
  () => `see (${label("URL", url())}).`,
  () => `Track it here: ${label("URL", url())}`,
  () => `Date of birth: ${label("DATE_OF_BIRTH", dob())}`,
  () => `I was born on ${label("DATE_OF_BIRTH", dob())} in a small town.`,
  () => `DOB ${label("DATE_OF_BIRTH", dob())}, allergies: none`,
  () => `patient birthday is ${label("DATE_OF_BIRTH", dob())}`,
  () => `Dear Mr. ${label("PERSON", cap(pick(LAST)))}, your order shipped.`,
  () => `Hi, my name is ${label("PERSON", fullName())} and I need help.`,
  () => `Kind regards, ${label("PERSON", fullName())}`,
  () => `Ask for Dr. ${label("PERSON", fullName())} at the front desk.`,
  () =>
    `I live in ${label("LOCATION", pick(["Lyon", "San Francisco", "Leeds", "Munich", "Porto Alegre", "Cape Town"]))} now.`,
  () =>
    `Ship to ${label("LOCATION", `${int(1, 9999)} ${pick(["Oak", "Maple", "Baker", "Market", "Elm"])} ${pick(["Street", "Avenue", "Road", "Lane"])}`)}, please.`,
  () => `postcode ${label("LOCATION", pick(["SW1A 1AA", "EC1A 1BB", "M1 1AE", "B33 8TH"]))}`,
  () =>
    `Customer ${label("PERSON", fullName())} (${label("EMAIL", email())}, ${label("PHONE", phone())}) paid with ${label("CREDIT_CARD", card())}.`,
  () =>
    `refund ${label("IBAN", iban())}; contact ${label("EMAIL", email())}; SSN ${label("US_SSN", ssnParts().join("-"))}`,
];

// ---------- hard negatives ----------
const negatives: (() => string)[] = [
  () =>
    `Order #${chars(DIGITS, 8)} shipped on ${int(2020, 2025)}-${String(int(1, 12)).padStart(2, "0")}-${String(int(1, 28)).padStart(2, "0")}.`,
  () => `Invoice INV-${int(2019, 2025)}-${chars(DIGITS, 5)} is overdue.`,
  () => `ticket ${chars(DIGITS, 10)} was closed`,
  () => `Upgrade to v${int(1, 20)}.${int(0, 30)}.${int(0, 40)} before Monday.`,
  () => `node ${int(18, 24)}.${int(0, 20)}.${int(0, 9)} and npm ${int(9, 11)}.${int(0, 9)}.${int(0, 9)}`,
  () => `Chrome ${int(110, 130)}.0.${chars(DIGITS, 4)}.${int(10, 200)} crashed`,
  () => `released in version ${int(1, 9)}.${int(0, 9)}.${int(0, 9)}.${int(0, 99)}`,
  () =>
    `at ${int(2020, 2025)}-${String(int(1, 12)).padStart(2, "0")}-${String(int(1, 28)).padStart(2, "0")}T${String(int(0, 23)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}.${chars(DIGITS, 3)}Z the job failed`,
  () => `epoch ${int(1_600_000_000, 1_800_000_000)} ms ${chars(DIGITS, 13)}`,
  () => `request id ${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`,
  () => `commit ${chars(HEX, 40)} fixed it (short ${chars(HEX, 7)})`,
  () => `sha256: ${chars(HEX, 64)}`,
  () => `test card ${card(false)} was declined (bad checksum)`,
  () => `IBAN ${iban(false)} failed validation`,
  () =>
    `SSN field rejected ${pick(["000", "666", `9${chars(DIGITS, 2)}`])}-${chars(DIGITS, 2)}-${chars(DIGITS, 4)}`,
  () => `${int(10, 99)} * ${int(100, 999)} = ${int(1000, 99999)} and ${int(1, 9)}.${chars(DIGITS, 5)} ≈ π`,
  () => `sum of 1234 5678 9012 3456 is ${1234 + 5678 + 9012 + 3456}`,
  () => `matrix [[${int(1, 99)}, ${int(1, 99)}], [${int(1, 99)}, ${int(1, 99)}]] has det ${int(-999, 999)}`,
  () => `const password = process.env.DB_PASSWORD; // never hard-code it`,
  () => `function getToken(): string { return this.token; }`,
  () => `password: string; token?: string; apiKey: string | undefined`,
  () => `api_key = os.environ["OPENAI_API_KEY"]`,
  () => `DATABASE_URL=postgres://user:password@localhost:5432/dev`,
  () => `Set OPENAI_API_KEY=<your-api-key> in .env`,
  () => `for (let i = 0; i < ${int(10, 9999)}; i++) total += prices[i] * 1.${int(1, 25)};`,
  () => `SELECT id, email FROM users WHERE created_at > '${int(2020, 2025)}-01-01' LIMIT ${int(10, 500)};`,
  () => `Population ${int(1, 99)},${chars(DIGITS, 3)},${chars(DIGITS, 3)} (${int(2000, 2024)} census)`,
  () => `ISBN 978-${int(0, 9)}-${chars(DIGITS, 2)}-${chars(DIGITS, 6)}-${int(0, 9)}`,
  () => `tracking number 1Z${chars(`${UPPER}${DIGITS}`, 16)}`,
  () => `SKU ${chars(DIGITS, 4)}-${chars(DIGITS, 4)}-${chars(DIGITS, 4)} is out of stock`,
  () => `Room ${int(100, 999)}-B, floor ${int(1, 40)}, building ${int(1, 9)}`,
  () => `coordinates ${int(-89, 89)}.${chars(DIGITS, 4)}, ${int(-179, 179)}.${chars(DIGITS, 4)}`,
  () => `section ${int(1, 9)}.${int(1, 9)}.${int(1, 9)}.${int(1, 9)} of the spec`,
  () =>
    `aspect ratio 16:9, time ${String(int(0, 23)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}`,
  () => `std::vector<int> v; auto it = v.begin(); a::b::c()`,
  () => `Meeting moved to ${MONTHS[int(0, 11)]} ${int(1, 28)}, ${int(2023, 2026)} at 10:00.`,
  () => `The Berlin wall fell on 9 November 1989.`,
  () =>
    `Deployed ${String(int(1, 12)).padStart(2, "0")}/${String(int(1, 28)).padStart(2, "0")}/${int(2019, 2025)} by the CI job`,
  () => `Dear customer, thank you for your patience.`,
  () => `I am happy to help with your order today.`,
  () => `Add @decorator and import pkg@${int(1, 9)}.${int(0, 9)}.${int(0, 9)} from npm`,
  () => `See README.md and src/index.ts; config lives in settings.yaml`,
  () => `price $${int(1, 999)}.${chars(DIGITS, 2)} incl. ${int(5, 25)}% VAT, qty ${int(1, 99)}`,
  () => `batch size ${int(16, 512)}, lr 3e-${int(3, 5)}, epochs ${int(1, 100)}, seed ${chars(DIGITS, 9)}`,
  () => `base64 chunk: ${chars(`${BASE62}+/`, 60)}==`,
  () => `the token count was ${int(100, 99999)} and the secret sauce is patience`,
  () => `Your password is incorrect. Reset your password to continue.`,
  () => `Phone lines open ${int(8, 9)}am-${int(5, 8)}pm, extension ${int(100, 9999)}`,
  () => `port ${int(1024, 65535)}, pid ${int(100, 99999)}, uid ${int(1000, 65000)}`,
  () => `Lot ${int(2020, 2025)}-${chars(DIGITS, 4)}-${chars(DIGITS, 4)} expires soon`,
  () => `placeholder card xxxx-xxxx-xxxx-${chars(DIGITS, 4)} on file`,
];

const seen = new Set<string>();
const lines: string[] = [
  "# Labelled corpus for @chainwatch/pii-redact's quality report. Generated by bench/generate-corpus.ts.",
];
const add = (line: string) => {
  if (seen.has(line)) return;
  seen.add(line);
  lines.push(line);
};
for (let round = 0; round < 5; round++) for (const line of positives) add(`P\t${line()}`);
for (let round = 0; round < 3; round++) for (const line of negatives) add(`N\t${line()}`);
writeFileSync(new URL("./corpus.txt", import.meta.url), `${lines.join("\n")}\n`);
const positiveCount = lines.filter((line) => line.startsWith("P\t")).length;
const negativeCount = lines.filter((line) => line.startsWith("N\t")).length;
console.log(`corpus.txt: ${positiveCount} labelled lines, ${negativeCount} hard negatives`);
