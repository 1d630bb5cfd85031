import { LimitError } from '../errors.js';
import { PROTOCOL_ERROR } from './protocol-errors.js';

/**
 * The kinds of request lines whose number is limited, each with its code,
 * the words of its refusal (git's prefixes: upload-pack's for a fetch,
 * `protocol error` for a push) and the setting that raises it.
 */
const KINDS = {
  want: { code: PROTOCOL_ERROR.tooManyWants, text: 'git upload-pack: too many want lines', setting: 'pushgate.maxWants' },
  have: { code: PROTOCOL_ERROR.tooManyHaves, text: 'git upload-pack: too many have lines', setting: 'pushgate.maxHaves' },
  shallow: {
    code: PROTOCOL_ERROR.tooManyShallows,
    text: 'git upload-pack: too many shallow and deepen-not lines',
    setting: 'pushgate.maxShallows',
  },
  command: {
    code: PROTOCOL_ERROR.tooManyCommands,
    text: 'protocol error: too many ref updates',
    setting: 'pushgate.maxCommands',
  },
  pushOption: {
    code: PROTOCOL_ERROR.tooManyPushOptions,
    text: 'protocol error: too many push options',
    setting: 'pushgate.maxPushOptions',
  },
} as const;

export type LineKind = keyof typeof KINDS;

/** The most lines of each kind one request may carry; 0 or absent = no limit. */
export type LineLimits = Partial<Record<LineKind, number>>;

/**
 * Counts the distinct lines of a request (a whole session for a stateful
 * v0 fetch, whose haves come in rounds) and refuses the one past a limit:
 * the work a request may cause grows with these counts, so they are bounded
 * as the bytes are.
 */
export class LineCounter {
  private readonly counts: Record<LineKind, number> = { want: 0, have: 0, shallow: 0, command: 0, pushOption: 0 };

  constructor(private readonly limits: LineLimits = {}) {}

  count(kind: LineKind): void {
    const n = ++this.counts[kind];
    const max = this.limits[kind] ?? 0;
    if (max > 0 && n > max) {
      const { code, text, setting } = KINDS[kind];
      throw new LimitError(code, `${text} (more than ${max}; the server's ${setting})`, { limit: max });
    }
  }
}
