import { InvalidInputError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** The longest duration accepted: beyond it a date would leave what PostgreSQL and Date hold. */
const MAX_DURATION_MS = 100 * UNIT_MS.y!;

/** `90s`, `15m`, `12h`, `30d`, `2w`, `1y` → milliseconds, at most 100 years. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhdwy])$/.exec(text.trim());
  if (!match) throw new InvalidInputError(`'${text}' is not a duration (use e.g. 30d, 12h, 2w, 1y)`, { duration: text });
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  if (ms <= 0) throw new InvalidInputError(`a duration must be positive, not '${text}'`, { duration: text });
  if (!(ms <= MAX_DURATION_MS)) throw new InvalidInputError(`'${text}' is too long a duration: at most 100y`, { duration: text });
  return ms;
}

/**
 * A point in time given as an ISO date (`2025-01-31`, `2025-01-31T12:00Z`)
 * or as a duration back from now (`2h`, `7d`) — what `--since` accepts.
 */
export function parsePointInTime(text: string, now = new Date()): Date {
  if (/^\d+\s*[smhdwy]$/.test(text.trim())) return new Date(now.getTime() - parseDuration(text));
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new InvalidInputError(`'${text}' is neither a date nor a duration like 2h or 7d`, { time: text });
  // Date reaches years PostgreSQL's timestamps do not (-271821): keep to four-digit years.
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new InvalidInputError(`'${text}' is out of range: years 1 to 9999`, { time: text });
  return date;
}
