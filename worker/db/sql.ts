// Small helpers shared by the query modules.

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** D1 reports constraint violations as an Error whose message (or cause) contains SQLite's text. */
export function isConstraintError(error: unknown, text: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(text)) return true;
  }
  return false;
}

export function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}
