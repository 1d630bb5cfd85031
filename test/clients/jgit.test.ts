/**
 * The client matrix with JGit (Debian's jgit-cli, 4.11): stdio
 * (`--receive-pack`, and `remote.origin.uploadpack` for fetches), smart HTTP
 * and SSH (through GIT_SSH, i.e. OpenSSH), against pushgate and stock git.
 *
 * JGit keeps its end of a stdio or SSH connection open after the pack until
 * it has read the report: a server that waits for more input or EOF after
 * the pack trailer hangs it (fixed in src/pack: the trailer is never followed
 * by a wait on a two-way transport).
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gitOk, WorkRepo } from '../helpers/git.js';
import { clientMatrix } from './client-matrix.js';
import {
  type ClientDriver,
  type ClientOutcome,
  type Endpoint,
  normaliseOutput,
  type RefOutcome,
  type RunContext,
} from './driver.js';
import { CLIENT_TIMEOUT_MS, GIT_EXEC_PATH, runBounded } from './run.js';

/**
 * Debian's /usr/bin/jgit misses jars the CLI loads at start (LFS, the Apache
 * HTTP connection): the class path is given here in full, with slf4j-nop to
 * keep its logger quiet.
 */
const JARS = [
  'org.eclipse.jgit.pgm.jar',
  'org.eclipse.jgit.lfs.jar',
  'org.eclipse.jgit.http.apache.jar',
  'httpclient.jar',
  'httpcore.jar',
  'commons-logging.jar',
  'gson.jar',
  'slf4j-nop.jar',
].map((jar) => `/usr/share/java/${jar}`);

/** A class-data archive of what a push loads, made once per file: it halves a JVM's start. */
let classArchive: string | undefined;

function jgit(
  args: string[],
  ctx: Pick<RunContext, 'home' | 'timeoutMs'>,
  options: { cwd?: string; env?: Record<string, string>; jvm?: string[] } = {},
) {
  return runBounded(
    'java',
    [
      // Start fast: these runs are short.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xshare:auto',
      '-Xlog:disable',
      ...(classArchive ? [`-XX:SharedArchiveFile=${classArchive}`] : []),
      ...(options.jvm ?? []),
      `-Duser.home=${ctx.home}`, // JGit reads ~/.gitconfig from user.home, not $HOME
      '-cp',
      JARS.join(':'),
      'org.eclipse.jgit.pgm.Main',
      ...args,
    ],
    { cwd: options.cwd, env: { HOME: ctx.home, ...options.env }, timeoutMs: ctx.timeoutMs },
  );
}

/** JGit runs a stdio service through the shell, except "git-receive-pack", which it serves in-process: name stock git's by its path. */
function serviceCommand(command: string | undefined): string {
  if (command === 'git-receive-pack' || command === 'git-upload-pack') return `${GIT_EXEC_PATH}/${command}`;
  return command!;
}

function sshEnv(ep: Endpoint): Record<string, string> {
  return ep.ssh ? { GIT_SSH: ep.ssh.wrapper } : {};
}

/**
 * `jgit push` prints one line per ref: ` * [new branch]      main -> main`,
 * ` ! [remote rejected] main -> declined (pre-receive hook declined)`, …
 */
function pushRefs(stdout: string): Record<string, RefOutcome> {
  const refs: Record<string, RefOutcome> = {};
  for (const line of stdout.split('\n')) {
    const m = /^ (.) (\[[^\]]+\]|\S+)\s+(\S+)? -> (\S+)(?: \((.*)\))?$/.exec(line.trimEnd());
    if (m) refs[m[4]!] = { status: `${m[1]} ${m[2]}`, ...(m[5] ? { reason: m[5] } : {}) };
  }
  return refs;
}

/** A clone made as `jgit clone --bare` makes it, fetching with `jgit fetch` so that stdio can name its upload-pack. */
async function configureOrigin(ep: Endpoint, dir: string): Promise<void> {
  await gitOk(['-C', dir, 'config', 'remote.origin.url', ep.url]);
  await gitOk(['-C', dir, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/heads/*']);
  if (ep.transport === 'stdio') await gitOk(['-C', dir, 'config', 'remote.origin.uploadpack', serviceCommand(ep.uploadPack)]);
}

function fetchOutcome(run: Awaited<ReturnType<typeof jgit>>, ep: Endpoint): ClientOutcome {
  return { run, refs: null, lines: normaliseOutput(run.stdout + run.stderr, ep) };
}

const jgitDriver: ClientDriver = {
  name: 'jgit',
  async prepare(dir, home) {
    const archive = path.join(dir, 'jgit-classes.jsa');
    const work = await WorkRepo.create(path.join(dir, 'jgit-warmup'));
    await work.commit('warm up');
    await gitOk(['init', '-q', '--bare', path.join(dir, 'jgit-warmup.git')]);
    const r = await jgit(
      ['push', `--receive-pack=${GIT_EXEC_PATH}/git-receive-pack`, path.join(dir, 'jgit-warmup.git'), 'main:refs/heads/main'],
      { home, timeoutMs: CLIENT_TIMEOUT_MS },
      { cwd: work.dir, jvm: [`-XX:ArchiveClassesAtExit=${archive}`] },
    );
    if (r.code === 0 && existsSync(archive)) classArchive = archive;
  },
  transports: ['stdio', 'http', 'ssh'],
  features: { atomic: true, pushOptions: true },
  stockSsh: 'stdio',
  async push(ep, workDir, spec, ctx) {
    const run = await jgit(
      [
        'push',
        ...(spec.atomic ? ['--atomic'] : []),
        ...(spec.pushOptions ?? []).flatMap((o) => ['--push-option', o]),
        ...(ep.transport === 'stdio' ? [`--receive-pack=${serviceCommand(ep.receivePack)}`] : []),
        ep.url,
        ...spec.refs.map((r) => `${r.force ? '+' : ''}${r.src ?? ''}:${r.dst}`),
      ],
      ctx,
      { cwd: workDir, env: sshEnv(ep) },
    );
    return { run, refs: pushRefs(run.stdout), lines: normaliseOutput(run.stdout + run.stderr, ep) };
  },
  async clone(ep, dest, ctx) {
    await gitOk(['init', '-q', '--bare', dest]);
    await configureOrigin(ep, dest);
    const run = await jgit(['--git-dir', dest, 'fetch', '--tags', 'origin'], ctx, { env: sshEnv(ep) });
    return fetchOutcome(run, ep);
  },
  async fetch(ep, cloneDir, ctx) {
    const run = await jgit(['--git-dir', cloneDir, 'fetch', '--tags', '--prune', 'origin'], ctx, { env: sshEnv(ep) });
    return fetchOutcome(run, ep);
  },
};

clientMatrix(t, jgitDriver);
