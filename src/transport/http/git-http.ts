import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable, Writable } from 'node:stream';
import type { AuditSink } from '../../audit-record.js';
import type { Identity } from '../../identity.js';
import { recordRefusedAttempt } from '../../receive/push-record.js';
import type { Access, AccessControl } from '../../auth/access.js';
import { AmbiguousRepositoryError } from '../../db/errors.js';
import { resolveRepoPath } from '../repo-path.js';
import { parseGitHttpPath } from './git-paths.js';
import { RequestBody } from './request-body.js';

/** One git service reachable over smart HTTP (receive-pack; upload-pack later). */
export interface GitHttpService {
  name: 'git-receive-pack' | 'git-upload-pack';
  /** The permission the service needs. */
  access: Access;
  /** The whole info/refs body, `# service=…` line included (protocol v2 has none). */
  advertise(ctx: GitHttpContext): Promise<void>;
  rpc(ctx: GitHttpContext & { input: Readable }): Promise<void>;
}

export interface GitHttpContext {
  repoName: string;
  gitDir: string;
  output: Writable;
  gitProtocol?: string;
  identity?: Identity;
  remoteAddress?: string;
  request: FastifyRequest;
}

export interface GitHttpOptions {
  dataDir: string;
  access: AccessControl;
  /** Where refused push attempts are recorded (pushes that run are recorded by receive-pack). */
  audit?: AuditSink;
  services: GitHttpService[];
  realm?: string;
  /** Most bytes of a POST body, after decoding, per service; 0 = no limit. Defaults: DEFAULT_BODY_LIMITS. */
  maxBodyBytes?: Partial<Record<GitHttpService['name'], number>>;
}

/**
 * A fetch request is wants and haves: 64 MiB is far beyond any real one. A
 * push is as big as its pack: the repository's receive.maxInputSize limits it.
 */
export const DEFAULT_BODY_LIMITS: Record<GitHttpService['name'], number> = {
  'git-upload-pack': 64 * 1024 * 1024,
  'git-receive-pack': 0,
};

const NO_CACHE = {
  expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
  pragma: 'no-cache',
  'cache-control': 'no-cache, max-age=0, must-revalidate',
};

/**
 * Smart HTTP as git http-backend serves it: info/refs with the service
 * header, POST bodies streamed both ways (gzip and chunked accepted), git's
 * status codes and messages, which git shows to the user as `remote:` lines.
 */
export async function gitHttp(app: FastifyInstance, options: GitHttpOptions): Promise<void> {
  const services = new Map(options.services.map((s) => [s.name, s]));
  // Hand every body to the handler as a stream: pushes are never buffered, and
  // a wrong content type still reaches the handler for git's own 415 message.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.get('/*', async (request, reply) => {
    const endpoint = parseGitHttpPath(request.url.split('?')[0]);
    if (!endpoint || endpoint.kind !== 'info-refs') return sendText(reply, 404, 'Not Found');
    const serviceName = (request.query as { service?: string }).service;
    if (!serviceName) return sendText(reply, 403, 'pushgate serves the smart HTTP protocol only (no dumb HTTP)');
    const service = services.get(serviceName as GitHttpService['name']);
    if (!service) {
      const known = serviceName === 'git-upload-pack' || serviceName === 'git-receive-pack';
      return sendText(
        reply,
        403,
        known ? `Service not enabled: '${serviceName.slice(4)}'` : `Unsupported service: '${serviceName}'`,
      );
    }
    const target = await authorize(request, reply, endpoint.repo, service, options);
    if (!target) return reply;
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': `application/x-${service.name}-advertisement`, ...NO_CACHE });
    await runService(request, reply, () =>
      service.advertise({ ...target, output: reply.raw, request, gitProtocol: gitProtocolOf(request) }),
    );
  });

  app.post('/*', async (request, reply) => {
    const endpoint = parseGitHttpPath(request.url.split('?')[0]);
    if (!endpoint || endpoint.kind !== 'rpc') return sendText(reply, 404, 'Not Found');
    const service = services.get(endpoint.service);
    if (!service) return sendText(reply, 403, `Service not enabled: '${endpoint.service.slice(4)}'`);
    const expected = `application/x-${service.name}-request`;
    const contentType = request.headers['content-type'] ?? '';
    if (contentType !== expected) {
      return sendText(reply, 415, `Expected POST with Content-Type '${expected}', but received '${contentType}' instead.`);
    }
    const target = await authorize(request, reply, endpoint.repo, service, options);
    if (!target) return reply;
    const limit = options.maxBodyBytes?.[service.name] ?? DEFAULT_BODY_LIMITS[service.name];
    const body = RequestBody.open(request.raw, reply.raw, limit);
    if (!body) return sendText(reply, 415, `Unsupported Content-Encoding: '${request.headers['content-encoding']}'`);
    reply.hijack();
    // The status line goes out with the first byte of the answer: until then a broken body can still be a 400.
    reply.raw.statusCode = 200;
    reply.raw.setHeader('content-type', `application/x-${service.name}-result`);
    for (const [name, value] of Object.entries(NO_CACHE)) reply.raw.setHeader(name, value);
    try {
      await runService(request, reply, () =>
        service.rpc({ ...target, input: body.stream, output: reply.raw, request, gitProtocol: gitProtocolOf(request) }),
      );
    } finally {
      body.finish();
    }
  });
}

async function authorize(
  request: FastifyRequest,
  reply: FastifyReply,
  rawRepo: string,
  service: GitHttpService,
  options: GitHttpOptions,
): Promise<{ repoName: string; gitDir: string; identity?: Identity; remoteAddress: string } | null> {
  const { access } = options;
  let identity: Identity | undefined;
  const credentials = basicCredentials(request.headers.authorization);
  if (credentials) {
    identity = (await access.authenticatePassword(credentials.user, credentials.password)) ?? undefined;
    if (!identity) {
      await auditRefusal(options, service, request, rawRepo, undefined, 'authentication failed');
      challenge(reply, options.realm);
      sendText(reply, 401, 'Authentication failed: unknown user or invalid token.');
      return null;
    }
  }
  let resolved: Awaited<ReturnType<typeof resolveRepoPath>>;
  try {
    resolved = await resolveRepoPath(options.dataDir, rawRepo);
  } catch (err) {
    if (!(err instanceof AmbiguousRepositoryError)) throw err;
    // `x` and `x.git` both exist: neither is guessed, for anyone (git shows the text as `remote:`).
    await auditRefusal(options, service, request, rawRepo, identity, 'ambiguous repository name');
    sendText(reply, 409, err.message);
    return null;
  }
  const repoName = resolved?.name ?? rawRepo;
  const verdict = resolved ? await access.check(identity, repoName, service.access) : 'not-found';
  if (verdict === 'allow') return { repoName, gitDir: resolved!.gitDir, identity, remoteAddress: request.ip };
  if (!identity && access.acceptsCredentials) {
    // Ask for credentials before saying whether the repository exists.
    challenge(reply, options.realm);
    sendText(reply, 401, 'Authentication required.');
    return null;
  }
  if (verdict === 'not-found') {
    await auditRefusal(options, service, request, rawRepo, identity, 'repository not found');
    sendText(reply, 404, `Repository not found: ${rawRepo}`);
    return null;
  }
  await auditRefusal(options, service, request, repoName, identity, 'permission denied');
  sendText(reply, 403, access.refusal(identity, repoName, service.access));
  return null;
}

/** Refused pushes are audited once, at discovery (info/refs), where git stops when refused. */
async function auditRefusal(
  options: GitHttpOptions,
  service: GitHttpService,
  request: FastifyRequest,
  repo: string,
  identity: Identity | undefined,
  reason: string,
): Promise<void> {
  if (service.access !== 'write' || request.method !== 'GET') return;
  await recordRefusedAttempt(options.audit, { repo, transport: 'http', identity, remoteAddress: request.ip, reason });
}

function challenge(reply: FastifyReply, realm = 'pushgate'): void {
  reply.header('www-authenticate', `Basic realm="${realm}", charset="UTF-8"`);
}

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function gitProtocolOf(request: FastifyRequest): string | undefined {
  const value = request.headers['git-protocol'];
  return typeof value === 'string' ? value : undefined;
}

/** git's clients show a text/plain error body line by line as `remote:`. */
function sendText(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').headers(NO_CACHE).send(`${message}\n`);
}

async function runService(request: FastifyRequest, reply: FastifyReply, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    request.log.error({ err }, 'git service failed');
  } finally {
    reply.raw.end();
  }
}
