import type { Logger } from 'pino';
import type { PolicySource } from '../../policy/index.js';
import { recordRefusedAttempt } from '../../receive/push-record.js';
import type { ServerChannel, Session } from 'ssh2';
import type { Repository } from '../../repo/types.js';
import type { AuditSink } from '../../audit-record.js';
import type { Identity } from '../../identity.js';
import type { ReceiveHooks, ReceivePackOutcome, ReceivePackSession } from '../../receive/types.js';
import type { UploadPackOutcome, UploadPackSession } from '../../upload/index.js';
import type { Access, AccessControl } from '../../auth/access.js';
import { AmbiguousRepositoryError } from '../../db/errors.js';
import { resolveRepoPath } from '../repo-path.js';
import { channelInput } from './channel-input.js';
import { parseExecCommand, type GitService } from './exec-command.js';

export type ReceivePackFn = (session: ReceivePackSession) => Promise<ReceivePackOutcome>;
export type UploadPackFn = (session: UploadPackSession) => Promise<UploadPackOutcome>;

export interface SshGitServices {
  receivePack: ReceivePackFn;
  openRepository(gitDir: string): Promise<Repository>;
  /** null: fetch and clone over SSH are refused with a message. */
  uploadPack: UploadPackFn | null;
}

export interface SessionContext {
  dataDir: string;
  access: AccessControl;
  audit?: AuditSink;
  hooks?: ReceiveHooks;
  policy?: PolicySource;
  services: SshGitServices;
  identity: Identity;
  remoteAddress?: string;
  log: Logger;
}

/** git's exit status when it dies (`fatal:`). */
const FATAL = 128;

/**
 * One SSH session channel: `env` (GIT_PROTOCOL), then `exec` of a git
 * service. A shell gets the one-line greeting forges give.
 */
export function handleSession(session: Session, ctx: SessionContext): void {
  const env: Record<string, string> = {};
  session.on('env', (accept, _reject, info) => {
    // Only GIT_PROTOCOL means anything here; others are ignored (as sshd without AcceptEnv).
    if (info.key === 'GIT_PROTOCOL') env.GIT_PROTOCOL = info.val;
    accept?.();
  });
  // A pty is granted (nothing uses it): refusing it makes `ssh -tt` stop before the greeting.
  let pty = false;
  session.on('pty', (accept) => {
    pty = true;
    accept?.();
  });
  session.on('shell', (accept) => {
    const channel = accept();
    const greeting = `Hi ${displayName(ctx.identity)}! You've successfully authenticated, but pushgate does not provide shell access.`;
    // The client's terminal is raw while it has a pty: a bare \n would not return the carriage.
    finish(channel, 1, pty ? `${greeting}\r` : greeting);
  });
  session.on('exec', (accept, _reject, info) => {
    const channel = accept();
    channel.on('error', (err: Error) => ctx.log.debug({ err }, 'ssh channel error'));
    runExec(channel, info.command, env.GIT_PROTOCOL, ctx).catch((err) => {
      ctx.log.error({ err, command: info.command }, 'ssh exec failed');
      finish(channel, FATAL, 'fatal: internal server error; the server log has the details');
    });
  });
  session.on('subsystem', (_accept, reject) => reject());
}

async function runExec(
  channel: ServerChannel,
  command: string,
  gitProtocol: string | undefined,
  ctx: SessionContext,
): Promise<void> {
  const parsed = parseExecCommand(command);
  if (parsed.kind === 'not-git') {
    ctx.log.info({ command }, 'ssh command refused');
    return finish(
      channel,
      1,
      `Hi ${displayName(ctx.identity)}! pushgate only runs git commands (git-receive-pack, git-upload-pack), not '${truncate(command)}'.`,
    );
  }
  if (parsed.kind === 'invalid') return finish(channel, FATAL, `fatal: ${parsed.message}`);
  const { service, path } = parsed;
  const log = ctx.log.child({ service, path });

  const access: Access = service === 'git-receive-pack' ? 'write' : 'read';
  const uploadPack = ctx.services.uploadPack;
  if (service === 'git-upload-archive' || (service === 'git-upload-pack' && !uploadPack)) {
    log.info('ssh service refused: not available');
    return finish(channel, FATAL, `fatal: ${service} is not available on this pushgate server`);
  }
  let resolved: Awaited<ReturnType<typeof resolveRepoPath>>;
  try {
    resolved = await resolveRepoPath(ctx.dataDir, path);
  } catch (err) {
    if (!(err instanceof AmbiguousRepositoryError)) throw err;
    // `x` and `x.git` both exist: refused, never resolved to either.
    log.info({ folders: err.data.folders }, 'ssh repository name ambiguous');
    if (access === 'write') await recordRefusedAttempt(ctx.audit, refusal(ctx, path, 'ambiguous repository name'));
    return finish(channel, FATAL, `fatal: ${err.message}`);
  }
  const verdict = resolved ? await ctx.access.check(ctx.identity, resolved.name, access) : 'not-found';
  if (verdict === 'not-found' || !resolved) {
    // The same words whether it is missing or hidden from this user: nothing to learn from probing.
    log.info({ verdict }, 'ssh repository not found');
    if (access === 'write') await recordRefusedAttempt(ctx.audit, refusal(ctx, path, 'repository not found'));
    return finish(channel, FATAL, `fatal: '${path}' does not appear to be a git repository`);
  }
  if (verdict === 'deny') {
    log.info({ repo: resolved.name }, 'ssh access denied');
    if (access === 'write') await recordRefusedAttempt(ctx.audit, refusal(ctx, resolved.name, 'permission denied'));
    return finish(channel, FATAL, `fatal: ${ctx.access.refusal(ctx.identity, resolved.name, access)}`);
  }

  const repo = await ctx.services.openRepository(resolved.gitDir);
  let exitCode: number;
  try {
    const common = {
      repo,
      repoName: resolved.name,
      input: channelInput(channel),
      output: channel,
      stderr: channel.stderr,
      gitProtocol,
      transport: 'ssh' as const,
      identity: ctx.identity,
      remoteAddress: ctx.remoteAddress,
      log: ctx.log,
    };
    log.info({ repo: resolved.name }, 'ssh git service');
    const outcome =
      service === 'git-receive-pack'
        ? await ctx.services.receivePack({
            ...common,
            audit: ctx.audit,
            hooks: ctx.hooks,
            policy: ctx.policy,
            hookEnv: sshHookEnv(ctx),
          })
        : await uploadPack!(common);
    exitCode = outcome.exitCode;
  } finally {
    await repo.close();
  }
  finish(channel, exitCode);
}

function refusal(ctx: SessionContext, repo: string, reason: string) {
  return { repo, transport: 'ssh' as const, identity: ctx.identity, remoteAddress: ctx.remoteAddress, reason };
}

/** What hooks learn about an SSH pusher (git over sshd would give them SSH_CONNECTION etc.). */
function sshHookEnv(ctx: SessionContext): Record<string, string> {
  const env: Record<string, string> = {};
  if (ctx.identity.username) env.REMOTE_USER = ctx.identity.username;
  if (ctx.remoteAddress) env.REMOTE_ADDR = ctx.remoteAddress;
  return env;
}

/** A message on stderr, then the exit status, then the end: in that order, as the client expects. */
function finish(channel: ServerChannel, exitCode: number, message?: string): void {
  if (message && channel.writable) channel.stderr.write(message + '\n');
  if (!channel.destroyed) {
    channel.exit(exitCode);
    channel.end();
  }
}

function displayName(identity: Identity): string {
  return identity.username ?? 'there';
}

function truncate(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

export type { GitService };
