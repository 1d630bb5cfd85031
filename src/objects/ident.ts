/**
 * Ident lines ("Name <email> 1700000000 +0100") as they appear in commit
 * author/committer and tag tagger headers. Parsing is lenient, like git's
 * split_ident_line: strict validation is fsck's job.
 */
export interface Ident {
  name: string;
  email: string;
  /** Seconds since the epoch, or undefined when the date part is missing or unparsable. */
  timestamp?: number;
  /** Timezone as written, e.g. "+0100"; undefined when missing. */
  timezone?: string;
  /** The whole line after the header keyword, untouched. */
  raw: string;
}

export function parseIdent(raw: string): Ident {
  const open = raw.indexOf('<');
  const close = open < 0 ? -1 : raw.indexOf('>', open + 1);
  if (open < 0 || close < 0) return { name: raw.trim(), email: '', raw };
  const name = raw.slice(0, open).trim();
  const email = raw.slice(open + 1, close);
  const rest = raw.slice(close + 1).trim();
  const match = /^(\d+)(?:\s+([+-]\d{4}))?/.exec(rest);
  const ident: Ident = { name, email, raw };
  if (match) {
    ident.timestamp = Number(match[1]);
    if (match[2] !== undefined) ident.timezone = match[2];
  }
  return ident;
}

/** The "Name <email>" part only, e.g. for policies matching on an author. */
export function formatIdentPerson(ident: Ident): string {
  return `${ident.name} <${ident.email}>`;
}
