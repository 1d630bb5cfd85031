import { spawn } from 'node:child_process';
import http from 'node:http';
import ssh2 from 'ssh2';
import { gitEnv } from './git.js';

/**
 * One end of a raw git conversation, for tests that send exactly the bytes a
 * client sends and then keep their end open: the server's side is a process
 * on stdio or an SSH exec channel. Nothing here waits without a limit.
 */
export interface RawPeer {
  write(bytes: Buffer): void;
  /** Everything the server wrote to its output so far. */
  readonly output: Buffer;
  readonly stderr: string;
  /** The server ended its side (stdio: exited; SSH: closed the channel). */
  readonly ended: boolean;
  /** True as soon as `until` holds (checked on every arrival and at the end), false after `ms`. */
  waitFor(until: (output: Buffer, ended: boolean) => boolean, ms: number): Promise<boolean>;
  /** The client closes its end (EOF on the server's input). */
  endInput(): void;
  destroy(): void;
}

class PeerState {
  chunks: Buffer[] = [];
  output = Buffer.alloc(0);
  stderr = '';
  ended = false;
  private waiters = new Set<() => void>();

  data(chunk: Buffer): void {
    this.output = Buffer.concat([this.output, chunk]);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  waitFor(until: (output: Buffer, ended: boolean) => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (!until(this.output, this.ended)) return false;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(true);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(until(this.output, this.ended));
      }, ms);
      if (!check()) this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A service run as a process, talking over its stdin and stdout. */
export function stdioPeer(command: string, args: string[], env: Record<string, string> = {}): RawPeer {
  const state = new PeerState();
  const child = spawn(command, args, { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => state.data(c));
  child.stderr.on('data', (c: Buffer) => (state.stderr += c.toString()));
  child.stdin.on('error', () => undefined);
  child.on('close', () => state.end());
  return {
    write: (bytes) => void child.stdin.write(bytes),
    get output() {
      return state.output;
    },
    get stderr() {
      return state.stderr;
    },
    get ended() {
      return state.ended;
    },
    waitFor: (until, ms) => state.waitFor(until, ms),
    endInput: () => child.stdin.end(),
    destroy: () => void child.kill('SIGKILL'),
  };
}

/** A service run over SSH: `exec` on a fresh connection with the given key. */
export async function sshPeer(
  port: number,
  privateKey: Buffer,
  command: string,
  env: Record<string, string> = {},
): Promise<RawPeer> {
  const state = new PeerState();
  const client = new ssh2.Client();
  client.on('error', () => state.end());
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'git', privateKey, readyTimeout: 5000 });
  });
  const channel = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
    client.exec(command, { env }, (err, ch) => (err ? reject(err) : resolve(ch))),
  );
  channel.on('data', (c: Buffer) => state.data(c));
  channel.stderr.on('data', (c: Buffer) => (state.stderr += c.toString()));
  channel.on('close', () => {
    state.end();
    client.end();
  });
  client.on('close', () => state.end());
  return {
    write: (bytes) => void channel.write(bytes),
    get output() {
      return state.output;
    },
    get stderr() {
      return state.stderr;
    },
    get ended() {
      return state.ended;
    },
    waitFor: (until, ms) => state.waitFor(until, ms),
    endInput: () => void channel.end(),
    destroy: () => client.destroy(),
  };
}

export interface HttpAnswer {
  /** The response ended within the limit. */
  complete: boolean;
  status: number;
  body: Buffer;
}

/**
 * One smart-HTTP POST with the whole body sent, on a keep-alive connection
 * the client leaves open: the response must end by itself within `ms`.
 */
export function postRpc(
  url: string,
  service: 'git-receive-pack' | 'git-upload-pack',
  body: Buffer,
  ms: number,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const agent = new http.Agent({ keepAlive: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let settled = false;
    const done = (complete: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      agent.destroy();
      resolve({ complete, status, body: Buffer.concat(chunks) });
    };
    const timer = setTimeout(() => {
      request.destroy();
      done(false);
    }, ms);
    const request = http.request(
      `${url}/${service}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': `application/x-${service}-request`, 'content-length': body.length, ...headers },
      },
      (response) => {
        status = response.statusCode ?? 0;
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => done(true));
        response.on('error', () => done(false));
      },
    );
    request.on('error', () => done(false));
    request.end(body);
  });
}
