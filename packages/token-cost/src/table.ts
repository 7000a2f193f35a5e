import { formatUsd } from "./money.js";
import type { CostTotals } from "./types.js";

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function usdCell(totals: CostTotals): string {
  if (totals.pricedCalls === 0 && totals.unpricedCalls > 0) return "unknown";
  const usd = formatUsd(totals.costUsd);
  // A partial sum is a lower bound: say so rather than show it as the cost.
  return totals.unpricedCalls > 0 ? `>= ${usd}` : totals.estimatedCalls > 0 ? `~${usd}` : usd;
}

/**
 * A plain-text table for terminals: one row per model, then the total. `~` marks estimated tokens, `>=` a sum
 * that leaves out calls that could not be priced.
 */
export function formatCostTable(byModel: ReadonlyMap<string, CostTotals>, total: CostTotals): string {
  const header = ["model", "calls", "input", "cached", "output", "reasoning", "cost"];
  const rows: string[][] = [];
  const row = (name: string, totals: CostTotals): string[] => [
    name,
    String(totals.calls),
    String(totals.tokens.inputTokens),
    String(totals.tokens.cacheReadTokens + totals.tokens.cacheWriteTokens),
    String(totals.tokens.outputTokens),
    String(totals.tokens.reasoningTokens),
    usdCell(totals),
  ];
  for (const [model, totals] of byModel) rows.push(row(model, totals));
  const footer = row("total", total);
  const widths = header.map((title, column) =>
    Math.max(title.length, footer[column]?.length ?? 0, ...rows.map((cells) => cells[column]?.length ?? 0)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => pad(cell, widths[column] ?? 0, column > 0))
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const out = [line(header), rule, ...rows.map(line), rule, line(footer)];
  if (total.unpricedCalls > 0) {
    out.push(`${total.unpricedCalls} call(s) could not be priced and are not in the cost.`);
  }
  return `${out.join("\n")}\n`;
}

export { formatUsd };
