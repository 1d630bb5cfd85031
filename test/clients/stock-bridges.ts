/**
 * Stock git behind the transports it has no server of its own for: smart
 * HTTP through `git http-backend` (CGI) behind a small Node server, and SSH
 * through a small ssh2 server running git-receive-pack/git-upload-pack.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Test } from 'tap';
import ssh2 from 'ssh2';
import { gitEnv } from '../helpers/git.js';
import { runBounded } from './run.js';

/**
 * Stock git's smart HTTP: `git http-backend` run as a CGI for each request,
 * with the variables a web server would set, the body piped to it and its
 * CGI headers turned into the response's status and headers.
 */
export async function startStockHttpBridge(t: Test, projectRoot: string): Promise<string> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const env: Record<string, string> = {
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: 'tester',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    };
    if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']);
    const cgi = spawn('git', ['http-backend'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => undefined);
    cgi.stderr.on('data', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      const body = head.subarray(end + 4);
      if (body.length) res.write(body);
    });
    cgi.on('close', () => {
      if (!headersDone) res.statusCode = 500;
      res.end();
    });
    req.on('aborted', () => cgi.kill('SIGKILL'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())).then(() => undefined));
  t.teardown(() => server.closeAllConnections());
  const port = (server.address() as net.AddressInfo).port;
  return `http://127.0.0.1:${port}`;
}

/**
 * Stock git over SSH for clients that have no stdio transport: an ssh2
 * server that takes any key and runs `git-receive-pack`/`git-upload-pack` on
 * the repository named in the exec request, with the channel as its stdio.
 */
export async function startStockSshBridge(t: Test, root: string, projectRoot: string): Promise<number> {
  const hostKeyFile = path.join(root, 'stock_host_key');
  const r = await runBounded('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-f', hostKeyFile]);
  if (r.code !== 0) throw new Error(r.stderr);
  const hostKey = await readFile(hostKeyFile);
  const sockets = new Set<net.Socket>();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      const env: Record<string, string> = {};
      session.on('env', (accept, _reject, info) => {
        env[info.key] = info.val;
        accept?.();
      });
      session.on('exec', (accept, reject, info) => {
        const m = /^(git-receive-pack|git-upload-pack) '\/?([^']+)'$/.exec(info.command);
        if (!m) return reject?.();
        const channel = accept();
        const child = spawn('git', [m[1]!.slice(4), path.join(projectRoot, m[2]!)], {
          env: gitEnv(env.GIT_PROTOCOL ? { GIT_PROTOCOL: env.GIT_PROTOCOL } : {}),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        channel.pipe(child.stdin);
        child.stdin.on('error', () => undefined);
        child.stdout.pipe(channel, { end: false });
        child.stderr.pipe(channel.stderr, { end: false });
        child.on('close', (code) => {
          channel.exit(code ?? 128);
          channel.end();
        });
        channel.on('close', () => child.kill('SIGKILL'));
      });
    });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}
