/**
 * What a client is asked to do (push, clone, fetch at an endpoint) and what
 * it answers, and the driver each client implements; plus the client's
 * output with progress, locations and ANSI noise taken out, for comparing.
 */
import path from 'node:path';
import type { RunResult } from './run.js';

export type TransportName = 'stdio' | 'http' | 'ssh';
export type Side = 'stock' | 'pushgate';

export interface PushRef {
  /** A local ref name (`main`, `refs/tags/v1`), or null to delete `dst`. */
  src: string | null;
  dst: string;
  force?: boolean;
}

export interface PushSpec {
  refs: PushRef[];
  atomic?: boolean;
  pushOptions?: string[];
}

export interface RefOutcome {
  /** The client's own word for what happened to the ref (`ok`, `ng`, `*`, `!`, `new branch`, …). */
  status: string;
  /** Why, as the client shows it (the server's `ng` reason, or the client's own refusal). */
  reason?: string;
}

export interface ClientOutcome {
  run: RunResult;
  /** Per-ref results where the client reports them; null where it does not. */
  refs: Record<string, RefOutcome> | null;
  /** What the client printed, normalised (no progress, no URLs, no paths). */
  lines: string[];
}

/** Where a client is pointed at one server repository. */
export interface Endpoint {
  side: Side;
  transport: TransportName;
  /** The server's repository (bare), for for-each-ref and fsck. */
  gitDir: string;
  /** What the client is given: a path (stdio), an http:// or ssh:// URL. */
  url: string;
  /** stdio: the command that runs the service (the client appends the path). */
  receivePack?: string;
  uploadPack?: string;
  ssh?: SshClientSetup;
}

export interface SshClientSetup {
  port: number;
  /** Private key file (public key at `${key}.pub`). */
  key: string;
  /** `ssh …` with the test options, as GIT_SSH_COMMAND takes it. */
  command: string;
  /** A script taking ssh's arguments, for clients that want GIT_SSH to be a program. */
  wrapper: string;
}

export interface RunContext {
  /** `client transport scenario`, for messages. */
  label: string;
  timeoutMs: number;
  /** A per-file HOME, so no client reads a user's configuration. */
  home: string;
}

export interface ClientDriver {
  name: string;
  transports: TransportName[];
  features: { atomic: boolean; pushOptions: boolean };
  /** SSH against stock git: over stdio with the same client, or (no stdio transport) behind the ssh2 bridge. */
  stockSsh: 'stdio' | 'bridge';
  push(ep: Endpoint, workDir: string, spec: PushSpec, ctx: RunContext): Promise<ClientOutcome>;
  /** A new clone in `dest` (which does not exist yet). */
  clone(ep: Endpoint, dest: string, ctx: RunContext): Promise<ClientOutcome>;
  /** Fetch into an earlier clone. */
  fetch(ep: Endpoint, cloneDir: string, ctx: RunContext): Promise<ClientOutcome>;
  /** The refs of a clone worth comparing (default: `git for-each-ref` in it). */
  cloneRefs?(dir: string): Promise<Record<string, string>>;
  /** Once per file, before the matrix (e.g. warm a cache in `dir`). */
  prepare?(dir: string, home: string): Promise<void>;
}

/** Lines of output without progress meters, blank lines, the remote's location, or ANSI noise. */
export function normaliseOutput(text: string, ep: Endpoint, drop: RegExp[] = []): string[] {
  // The remote as clients show it: with or without `.git`, the ssh user, a trailing slash.
  const forms = new Set<string>();
  for (const base of [ep.url, ep.url.replace('//git@', '//'), ep.gitDir]) {
    forms.add(base);
    forms.add(base.replace(/\.git$/, ''));
  }
  const replacements: [string, string][] = [...forms].sort((a, b) => b.length - a.length).map((f) => [f, '<remote>']);
  replacements.push([path.basename(ep.gitDir), '<repo>']);
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // A progress meter rewrites its line with \r: keep what is left at the end.
    const parts = raw.split('\r').filter((p) => p.trim() !== '');
    let line = (parts.at(-1) ?? '').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
    if (!line.trim()) continue;
    for (const [from, to] of replacements) line = line.split(from).join(to);
    if (line === 'done.') continue; // after a clone from a local path only
    if (PROGRESS.some((re) => re.test(line)) || drop.some((re) => re.test(line))) continue;
    lines.push(line);
  }
  return lines;
}

const PROGRESS = [
  /^(remote: )?(Enumerating|Counting|Compressing|Writing|Total|Delta compression|Resolving deltas|Receiving objects|Unpacking objects|Finding sources|Getting sizes|Checking connectivity|Indexing objects|Updating references)\b/i,
  /^(remote: )?\s*$/,
];
