/** Patterns of every raw value {@link denseProsePrompt} writes: none may appear in a log or on stdout. */
export const RAW_PII: readonly RegExp[] = [
  /customer\d+@mail\.example\.com/,
  /\+1 415 555 \d{4}/,
  /4111 1111 1111 1111|5555 5555 5555 4444|3782 822463 10005/,
];

const CARDS = ["4111 1111 1111 1111", "5555 5555 5555 4444", "3782 822463 10005"];

/** Support-chat prose of about `chars` characters with an email, a phone and a card in every line. */
export function denseProsePrompt(chars: number): string {
  const lines: string[] = [];
  let length = 0;
  for (let index = 0; length < chars; index++) {
    const line = `Customer ${index} wrote from customer${index}@mail.example.com, call back on +1 415 555 ${String(index % 10_000).padStart(4, "0")}, refund card ${CARDS[index % CARDS.length]}.\n`;
    lines.push(line);
    length += line.length;
  }
  return lines.join("");
}
