import { ObjectError } from '../errors.js';
import { OBJECT_ERROR } from './object-errors.js';

/** One `key = value` of a config file; value null for a bare `key` (which means true). */
export interface ConfigEntry {
  /** Canonical key: section and variable lowercased, subsection as written ("remote.Origin.url"). */
  key: string;
  value: string | null;
}

/**
 * Parse git config syntax: a repository's `config`, or a `.gitmodules` blob
 * (which is why this lives with the objects). Follows git's rules: `[section]`,
 * `[section "sub"]` (sub case-sensitive, `\"`/`\\` escapes), old-style
 * `[section.sub]` (sub lowercased), `;`/`#` comments, `\`-newline
 * continuations, quotes and `\n \t \b \" \\` escapes in values, trailing
 * whitespace trimmed outside quotes. `include` directives are not followed.
 */
export function parseConfig(text: string, origin = 'config'): ConfigEntry[] {
  return new ConfigParser(text, origin).parse();
}

class ConfigParser {
  private pos = 0;
  private line = 1;
  private section = '';
  private readonly entries: ConfigEntry[] = [];

  constructor(
    private readonly text: string,
    private readonly origin: string,
  ) {}

  parse(): ConfigEntry[] {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === '\n') {
        this.line++;
        this.pos++;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.pos++;
      } else if (c === '#' || c === ';') {
        this.skipToEol();
      } else if (c === '[') {
        this.pos++;
        this.section = this.readSectionHeader();
      } else if (/[A-Za-z]/.test(c)) {
        this.readEntry();
      } else {
        this.fail();
      }
    }
    return this.entries;
  }

  private fail(): never {
    throw new ObjectError(OBJECT_ERROR.configSyntax, `bad config line ${this.line} in file ${this.origin}`);
  }

  private skipToEol(): void {
    const eol = this.text.indexOf('\n', this.pos);
    this.pos = eol < 0 ? this.text.length : eol;
  }

  private readSectionHeader(): string {
    let name = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) this.fail();
      if (c === ']') return name.toLowerCase();
      if (c === ' ' || c === '\t') return name.toLowerCase() + '.' + this.readQuotedSubsection();
      if (c === '.') {
        // Old style [section.sub]: the subsection is lowercased like the section.
        if (name === '') this.fail();
        name += '.';
        continue;
      }
      if (!/[A-Za-z0-9-]/.test(c)) this.fail();
      name += c;
    }
  }

  private readQuotedSubsection(): string {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
    if (this.text[this.pos++] !== '"') this.fail();
    let sub = '';
    for (;;) {
      let c = this.text[this.pos++];
      if (c === undefined || c === '\n') this.fail();
      if (c === '"') break;
      if (c === '\\') {
        c = this.text[this.pos++];
        if (c === undefined || c === '\n') this.fail();
      }
      sub += c;
    }
    if (this.text[this.pos++] !== ']') this.fail();
    return sub;
  }

  private readEntry(): void {
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z0-9-]/.test(this.text[this.pos]!)) this.pos++;
    const name = this.text.slice(start, this.pos).toLowerCase();
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
    if (this.section === '') this.fail();
    const key = `${this.section}.${name}`;
    const c = this.text[this.pos];
    if (c === undefined || c === '\n' || c === '\r' || c === '#' || c === ';') {
      this.skipToEol();
      this.entries.push({ key, value: null });
      return;
    }
    if (c !== '=') this.fail();
    this.pos++;
    this.entries.push({ key, value: this.readValue() });
  }

  private readValue(): string {
    let value = '';
    let inQuotes = false;
    let inComment = false;
    // Unquoted whitespace is held back and written as spaces only if more value follows.
    let pendingSpaces = 0;
    for (;;) {
      let c = this.text[this.pos];
      if (c === '\r' && this.text[this.pos + 1] === '\n') c = this.text[++this.pos];
      if (c === undefined || c === '\n') {
        if (inQuotes) this.fail();
        return value;
      }
      this.pos++;
      if (inComment) continue;
      if (!inQuotes && /\s/.test(c)) {
        if (value.length > 0) pendingSpaces++;
        continue;
      }
      if (!inQuotes && (c === '#' || c === ';')) {
        inComment = true;
        continue;
      }
      value += ' '.repeat(pendingSpaces);
      pendingSpaces = 0;
      if (c === '\\') {
        const next = this.text[this.pos++];
        if (next === '\n') {
          this.line++;
          continue;
        }
        const escapes: Record<string, string> = { n: '\n', t: '\t', b: '\b', '\\': '\\', '"': '"' };
        const escaped = next === undefined ? undefined : escapes[next];
        if (escaped === undefined) this.fail();
        value += escaped;
        continue;
      }
      if (c === '"') {
        inQuotes = !inQuotes;
        continue;
      }
      value += c;
    }
  }
}
