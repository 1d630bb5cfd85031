/**
 * The servers of one matrix run: pushgate (HTTP and SSH, with an in-memory
 * policy) and stock git (http-backend behind a bridge, and for a client
 * without a stdio transport an ssh2 bridge), a client key and the ssh
 * command lines for each SSH port, and where each side's endpoint is.
 *
 * Stock git over SSH is stock git over stdio with the same client, unless the
 * client has no stdio transport (libgit2): then it is the ssh2 bridge.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Test } from 'tap';
import pino from 'pino';
import { createServer, InMemoryPolicySource, startSshServer, type AccessControl } from '../../src/index.js';
import { PUSHGATE_RECEIVE_PACK, PUSHGATE_UPLOAD_PACK } from '../helpers/git.js';
import type { ClientDriver, Endpoint, SshClientSetup, TransportName } from './driver.js';
import { runBounded } from './run.js';
import { startStockHttpBridge, startStockSshBridge } from './stock-bridges.js';

export interface Servers {
  dataDir: string;
  stockRoot: string;
  policy: InMemoryPolicySource;
  pushgateHttp: string;
  pushgateSshPort: number;
  stockHttp: string;
  stockSshPort?: number;
  ssh: SshClientSetup;
  sshFor(port: number): SshClientSetup;
  home: string;
}

export async function startServers(t: Test, root: string, options: { stockSshBridge?: boolean } = {}): Promise<Servers> {
  const dataDir = path.join(root, 'pushgate');
  const stockRoot = path.join(root, 'stock');
  const home = path.join(root, 'home');
  await mkdir(stockRoot, { recursive: true });
  await mkdir(home, { recursive: true });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const policy = new InMemoryPolicySource();

  const server = await createServer({ dataDir, host: '127.0.0.1', httpPort: 0, allowAnonymousPush: true, policy, logger: log });
  await server.listen();
  t.teardown(() => server.close());

  const keyFile = path.join(root, 'client_key');
  const keygen = await runBounded('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'client@test', '-f', keyFile]);
  if (keygen.code !== 0) throw new Error(`ssh-keygen: ${keygen.stderr}`);
  const sshd = await startSshServer({ host: '127.0.0.1', port: 0, dataDir, access: anyKey, policy, log });
  t.teardown(() => sshd.close());

  const stockHttp = await startStockHttpBridge(t, stockRoot);
  let stockSshPort: number | undefined;
  if (options.stockSshBridge) stockSshPort = await startStockSshBridge(t, root, stockRoot);

  const setups = new Map<number, SshClientSetup>();
  const sshFor = (port: number): SshClientSetup => setups.get(port)!;
  for (const port of [sshd.port, ...(stockSshPort ? [stockSshPort] : [])]) {
    const opts = sshOptions(port, keyFile);
    const wrapper = path.join(root, `ssh-${port}.sh`);
    await writeFile(wrapper, `#!/bin/sh\nexec ssh ${opts.join(' ')} "$@"\n`);
    await chmod(wrapper, 0o755);
    setups.set(port, { port, key: keyFile, command: `ssh ${opts.join(' ')}`, wrapper });
  }
  return {
    dataDir,
    stockRoot,
    policy,
    pushgateHttp: server.url,
    pushgateSshPort: sshd.port,
    stockHttp,
    stockSshPort,
    ssh: sshFor(sshd.port),
    sshFor,
    home,
  };
}

/** Every key is welcome and may push anywhere: the matrix is about the protocol, not about access. */
const anyKey: AccessControl = {
  acceptsCredentials: true,
  authenticatePassword: async () => null,
  authenticatePublicKey: async () => ({ username: 'tester' }),
  check: async () => 'allow',
  refusal: () => '',
};

/** OpenSSH client options as git would run it: the test key only, no host key checks, no prompts. */
function sshOptions(port: number, key: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-p',
    String(port),
  ];
}

export function stockEndpoint(
  driver: ClientDriver,
  transport: TransportName,
  servers: Servers,
  gitDir: string,
  name: string,
): Endpoint {
  if (transport === 'http') return { side: 'stock', transport, gitDir, url: `${servers.stockHttp}/${name}` };
  if (transport === 'ssh' && driver.stockSsh === 'bridge') {
    const ssh = servers.sshFor(servers.stockSshPort!);
    return { side: 'stock', transport, gitDir, url: `ssh://git@127.0.0.1:${ssh.port}/${name}`, ssh };
  }
  // stdio, and SSH compared with stock git over stdio
  return {
    side: 'stock',
    transport: 'stdio',
    gitDir,
    url: gitDir,
    receivePack: 'git-receive-pack',
    uploadPack: 'git-upload-pack',
  };
}

export function ourEndpoint(transport: TransportName, servers: Servers, gitDir: string, name: string): Endpoint {
  if (transport === 'http') return { side: 'pushgate', transport, gitDir, url: `${servers.pushgateHttp}/${name}` };
  if (transport === 'ssh') {
    return {
      side: 'pushgate',
      transport,
      gitDir,
      url: `ssh://git@127.0.0.1:${servers.pushgateSshPort}/${name}`,
      ssh: servers.ssh,
    };
  }
  return {
    side: 'pushgate',
    transport,
    gitDir,
    url: gitDir,
    receivePack: PUSHGATE_RECEIVE_PACK,
    uploadPack: PUSHGATE_UPLOAD_PACK,
  };
}
