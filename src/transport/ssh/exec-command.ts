/**
 * The command an SSH client asks to run, as git sends it:
 * `git-receive-pack '<path>'` (or `git receive-pack …`, git-shell's alias),
 * the path single-quoted by git's sq_quote_buf (`'` → `'\''`, `!` → `'\!'`).
 * `ssh://host/x.git` sends `/x.git`, the scp form `host:x.git` sends `x.git`.
 */
export type GitService = 'git-receive-pack' | 'git-upload-pack' | 'git-upload-archive';

export type ExecCommand =
  { kind: 'git'; service: GitService; path: string } | { kind: 'invalid'; message: string } | { kind: 'not-git' };

const SERVICE_FORMS =
  /^(git-receive-pack|git-upload-pack|git-upload-archive|git receive-pack|git upload-pack|git upload-archive)(?:\s+(.*))?$/s;

export function parseExecCommand(command: string): ExecCommand {
  const match = SERVICE_FORMS.exec(command.trim());
  if (!match) return { kind: 'not-git' };
  const service = match[1]!.replace(' ', '-') as GitService;
  const rawArgument = (match[2] ?? '').trim();
  if (!rawArgument) return { kind: 'invalid', message: `${service} needs a repository path` };
  const path = dequote(rawArgument);
  if (path === null) return { kind: 'invalid', message: `bad argument to ${service}: ${rawArgument}` };
  // git-shell refuses these too: an option where the path should be.
  if (path.startsWith('-')) return { kind: 'invalid', message: `bad argument to ${service}: ${path}` };
  if (path.startsWith('~')) {
    return {
      kind: 'invalid',
      message: `'${path}': home-relative paths (~) are not supported; use host:name.git or ssh://host/name.git`,
    };
  }
  return { kind: 'git', service, path };
}

/**
 * git's sq_dequote: one or more single-quoted pieces joined by `\'` or `\!`.
 * A bare word without quotes or shell characters is accepted too (people
 * typing `ssh host git-receive-pack x.git`). Anything else is null.
 */
export function dequote(text: string): string | null {
  if (!text.startsWith("'")) return /^[A-Za-z0-9._@+/~-]+$/.test(text) ? text : null;
  let out = '';
  let i = 1;
  for (;;) {
    const close = text.indexOf("'", i);
    if (close < 0) return null;
    out += text.slice(i, close);
    i = close + 1;
    if (i === text.length) return out;
    // Between quoted pieces only an escaped ' or ! may stand, then the next piece opens.
    if (text[i] === '\\' && (text[i + 1] === "'" || text[i + 1] === '!') && text[i + 2] === "'") {
      out += text[i + 1];
      i += 3;
      continue;
    }
    return null;
  }
}
