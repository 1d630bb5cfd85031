import type { Logger } from 'pino';
import type { Decider } from '../audit-record.js';
import type { UpdateRequest } from '../protocol/update-request.js';
import type { Quarantine, Repository } from '../repo/types.js';
import type { ReceiveCommand } from './command.js';
import { HookRunner } from './hooks/index.js';
import { ObjectKeeper } from './object-keeper.js';
import type { PushedObjects } from './pushed-objects.js';
import type { ResponseWriter } from './response-writer.js';
import type { ReceiveSettings } from './settings.js';
import type { HookContext, ReceivePackOutcome, ReceivePackSession } from './types.js';

/**
 * One push, from the advertisement to the post hooks. It owns what the
 * phases (phases/*.ts, run in order by service.ts) hand on to each other:
 * the request and its commands, the writer, the quarantine, what the pack
 * brought and the audit record. Each phase reads what earlier ones left and
 * decides commands only through ReceiveCommand.reject()/accept().
 */
export class Push {
  readonly startedAt = new Date();
  readonly session: ReceivePackSession;
  readonly repo: Repository;
  readonly settings: ReceiveSettings;
  readonly log?: Logger;

  /** read: the commands and capabilities; absent before, and for a flush-only request. */
  request?: UpdateRequest;
  commands: ReceiveCommand[] = [];
  pushOptions: string[] = [];
  /** read: how everything after the request is answered. */
  writer?: ResponseWriter;
  /** record: the audit intent's id; absent without an audit log. */
  auditId?: string;
  /** record: the audit log could not take the intent, so nothing may change. */
  auditUnavailable = false;
  /** ingest: the pack's objects until they are migrated or discarded. */
  quarantine?: Quarantine;
  /** ingest: what the pack brought, as the indexer saw it (absent for delete-only pushes). */
  pushed?: PushedObjects;
  /** ingest: where the pushed objects are (the quarantine until the first ref that needs them is written). */
  keeper: ObjectKeeper;
  /** ingest: the `unpack` line's status. */
  unpackStatus = 'ok';
  packBytes = 0;
  packObjects = 0;
  /** check: commands pushgate's rules refused, which pre-receive is not told about. */
  readonly refusedByRules = new Set<ReceiveCommand>();
  /** check: commands to a symref whose target the same push updates the same way: they follow the target's result. */
  readonly aliases = new Map<ReceiveCommand, ReceiveCommand>();
  /** Anything that broke the push on the server's side. */
  internalError?: unknown;
  exitCode = 0;

  /** Aborted when the client hangs up: running pre-receive/update hooks are killed, which declines the push. */
  private readonly clientGone = new AbortController();
  private hookRunner?: HookRunner;

  constructor(session: ReceivePackSession, settings: ReceiveSettings) {
    this.session = session;
    this.repo = session.repo;
    this.keeper = new ObjectKeeper(this.repo, undefined);
    this.settings = settings;
    this.log = session.log?.child({ repo: session.repoName, transport: session.transport, user: session.identity?.username });
  }

  get atomic(): boolean {
    return !!this.request?.capabilities.has('atomic') && this.settings.advertiseAtomic;
  }

  get hasPending(): boolean {
    return this.commands.some((c) => c.pending);
  }

  /** The writer, once the request has been read (every phase after read may use it). */
  get out(): ResponseWriter {
    if (!this.writer) throw new Error('the push has no writer before its request was read');
    return this.writer;
  }

  /** The repository's executable hooks, with the quarantine and client-gone signal of this push. */
  get hooks(): HookRunner {
    this.hookRunner ??= new HookRunner({
      gitDir: this.repo.gitDir,
      config: this.repo.config,
      output: (chunk) => this.out.hookOutput(chunk),
      env: this.session.hookEnv,
      onHint: (line) => this.out.text(`hint: ${line}\n`),
      signal: this.clientGone.signal,
    });
    return this.hookRunner;
  }

  /** What in-process hooks see of the push; their messages reach the client as `remote:` lines. */
  hookContext(): HookContext {
    return {
      repo: this.repo,
      objects: this.keeper.objects,
      repoName: this.session.repoName,
      identity: this.session.identity,
      pushOptions: this.pushOptions,
      message: (line) => this.out.text(`${line}\n`),
    };
  }

  rejectPending(reason: string, decidedBy: Decider): void {
    for (const c of this.commands) if (c.pending) c.reject(reason, decidedBy);
  }

  /**
   * An atomic push is all-or-nothing: once any command is refused, every
   * other pending one fails with git's `atomic push failure`. (git itself lets
   * the others through when the refusal came before its ref transaction, e.g.
   * a hidden ref; pushgate keeps the all-or-nothing promise instead.)
   */
  failAllIfAtomic(): void {
    if (this.atomic && this.commands.some((c) => c.status === 'rejected')) this.rejectPending('atomic push failure', 'atomic');
  }

  /** Watch the client: when it hangs up, running hooks are killed. Returns the unwatch. */
  watchClient(): () => void {
    const onGone = () => this.clientGone.abort();
    this.session.output.once('close', onGone);
    return () => this.session.output.off('close', onGone);
  }

  outcome(): ReceivePackOutcome {
    return { exitCode: this.exitCode, commands: this.commands };
  }
}
