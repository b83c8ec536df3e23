// Rewrites `?` placeholders to PostgreSQL's $1, $2, ... outside quoted strings and identifiers.
export function toPostgresPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n++;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  return out;
}
