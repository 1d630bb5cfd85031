import net from 'node:net';
import type { Logger } from 'pino';
import type { PolicySource } from '../../policy/index.js';
import ssh2 from 'ssh2';
import { defaultSshHostKeyPath } from '../../db/data-paths.js';
import { receivePack } from '../../receive/service.js';
import { openRepository } from '../../repo/repository.js';
import { uploadPack } from '../../upload/index.js';
import type { AuditSink } from '../../audit-record.js';
import type { Identity } from '../../identity.js';
import type { ReceiveHooks } from '../../receive/types.js';
import type { AccessControl } from '../../auth/access.js';
import { authenticator } from './authenticate.js';
import { loadOrCreateHostKey, readHostKey, type HostKey } from './host-key.js';
import { handleSession, type SshGitServices } from './session.js';

export interface SshServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port (see the returned `port`). Default 2222. */
  port?: number;
  /** The data folder: repositories, and the default host key in `.pushgate/`. */
  dataDir: string;
  /** Where the server's own host key is kept; created (ed25519, 0600) on first start. */
  hostKeyPath?: string;
  /** An existing OpenSSH private key to use instead (`--ssh-host-key FILE`); never written. */
  hostKey?: string;
  access: AccessControl;
  audit?: AuditSink;
  hooks?: ReceiveHooks;
  policy?: PolicySource;
  log: Logger;
  /** From TCP connect to authenticated. Default 30 s. */
  handshakeTimeoutMs?: number;
  /** No bytes either way for this long closes the connection. Default 10 min. */
  idleTimeoutMs?: number;
  /** Replaces the git services (tests; `uploadPack: null` refuses fetch and clone). */
  services?: Partial<SshGitServices>;
}

export interface SshServer {
  readonly host: string;
  readonly port: number;
  /** `SHA256:…` of the host key, as clients show it. */
  readonly hostKeyFingerprint: string;
  close(): Promise<void>;
}

/**
 * git over SSH: public-key authentication against the AccessControl, then
 * `git-receive-pack '<path>'` handed to the receive-pack service with the
 * channel as its input and output. ssh2 only speaks the protocol; the TCP
 * server is ours, so timeouts and shutdown work on the sockets directly.
 */
export async function startSshServer(options: SshServerOptions): Promise<SshServer> {
  const log = options.log.child({ transport: 'ssh' });
  const hostKey = await resolveHostKey(options, log);
  const services: SshGitServices = { receivePack, uploadPack, openRepository, ...options.services };
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;

  const sockets = new Set<net.Socket>();
  // ssh2 reports a connection by the peer's address and port only; that pair finds our socket.
  const byPeer = new Map<string, net.Socket>();
  let nextSession = 1;

  const sshServer = new ssh2.Server({ hostKeys: [hostKey.privateKey], ident: 'pushgate' }, (client, info) => {
    const socket = byPeer.get(`${info.ip}|${info.port}`);
    const connLog = log.child({ session: nextSession++, remote: info.ip });
    let identity: Identity | undefined;
    client.on('error', (err: Error) => connLog.debug({ err }, 'ssh connection error'));
    client.on(
      'authentication',
      authenticator(
        options.access,
        connLog,
        (found) => (identity = found),
        () => client.end(),
      ),
    );
    client.on('ready', () => {
      socket?.emit('pushgate:authenticated');
      connLog.info({ user: identity?.username, client: info.header.versions.software }, 'ssh authenticated');
      client.on('session', (accept) => {
        handleSession(accept(), {
          dataDir: options.dataDir,
          access: options.access,
          audit: options.audit,
          policy: options.policy,
          hooks: options.hooks,
          services,
          identity: identity!,
          remoteAddress: info.ip,
          log: connLog.child({ user: identity?.username }),
        });
      });
    });
    // No port forwarding, no agent, no X11: this server runs git and nothing else.
    client.on('tcpip', (_accept, reject) => reject());
    client.on('openssh.streamlocal', (_accept, reject) => reject());
    client.on('request', (_accept, reject) => reject?.());
  });
  sshServer.on('error', (err: Error) => log.warn({ err }, 'ssh server error'));

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    const peer = `${socket.remoteAddress}|${socket.remotePort}`;
    byPeer.set(peer, socket);
    const handshake = setTimeout(() => {
      log.info({ remote: socket.remoteAddress }, 'ssh handshake timed out');
      socket.destroy();
    }, handshakeTimeoutMs);
    socket.once('pushgate:authenticated', () => clearTimeout(handshake));
    socket.setTimeout(idleTimeoutMs, () => {
      log.info({ remote: socket.remoteAddress }, 'ssh connection idle; closing');
      socket.destroy();
    });
    socket.on('error', () => undefined); // ssh2 reports what matters; a reset peer must not crash us
    socket.once('close', () => {
      clearTimeout(handshake);
      sockets.delete(socket);
      byPeer.delete(peer);
    });
    sshServer.injectSocket(socket);
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port ?? 2222, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  tcp.on('error', (err) => log.warn({ err }, 'ssh listener error'));
  const address = tcp.address() as net.AddressInfo;
  log.info({ host, port: address.port, hostKey: hostKey.path, fingerprint: hostKey.fingerprint }, 'ssh listening');

  let closing: Promise<void> | undefined;
  return {
    host,
    port: address.port,
    hostKeyFingerprint: hostKey.fingerprint,
    close() {
      closing ??= new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function resolveHostKey(options: SshServerOptions, log: Logger): Promise<HostKey> {
  if (options.hostKey) {
    const key = await readHostKey(options.hostKey);
    log.info({ hostKey: key.path, fingerprint: key.fingerprint, algorithm: key.algorithm }, 'ssh host key from --ssh-host-key');
    return key;
  }
  return loadOrCreateHostKey(options.hostKeyPath ?? defaultSshHostKeyPath(options.dataDir), log);
}
