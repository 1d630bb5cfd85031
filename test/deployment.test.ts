import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { serveCommand } from '../src/cli/commands/serve.js';
import { PROJECT_ROOT } from './helpers/git.js';

/** Docker: compose and the Dockerfile agree with what serve reads and accepts. */
t.test('docker-compose sets what the server reads; Dockerfile runs serve as non-root', async (t) => {
  const compose = parseYaml(await readFile(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'));
  const app = compose.services.pushgate;
  const db = compose.services.postgres;
  t.ok(app && db, 'two services');
  t.match(app.depends_on, { postgres: { condition: 'service_healthy' } }, 'pushgate waits for a healthy postgres');
  t.ok(db.healthcheck?.test, 'postgres has a healthcheck');

  const url = new URL(app.environment.DATABASE_URL);
  t.equal(url.protocol, 'postgres:');
  t.equal(url.hostname, 'postgres', 'the service name as host');
  t.equal(url.username, db.environment.POSTGRES_USER);
  t.equal(decodeURIComponent(url.password), db.environment.POSTGRES_PASSWORD);
  t.equal(url.pathname.slice(1), db.environment.POSTGRES_DB);

  // Every variable compose gives pushgate is one the code reads.
  const sources = await sourceTexts(path.join(PROJECT_ROOT, 'src'));
  for (const name of Object.keys(app.environment)) {
    t.ok(
      sources.some((text) => text.includes(`env.${name}`) || text.includes(`env['${name}']`)),
      `${name} is read by the server`,
    );
  }

  // The command's flags are serve's, and the published ports are the ones it listens on.
  const command: string[] = app.command;
  const serveIndex = command.indexOf('serve');
  t.ok(serveIndex >= 0, 'runs pushgate serve');
  const flags = command.filter((a) => a.startsWith('--'));
  for (const flag of flags) t.ok(serveCommand.usage.includes(flag), `serve accepts ${flag}`);
  const flagValue = (flag: string) => command[command.indexOf(flag) + 1];
  const published = (app.ports as string[]).map((p) => p.split(':').at(-1));
  t.ok(published.includes(flagValue('--http-port')), 'HTTP port published');
  t.ok(published.includes(flagValue('--ssh-port')), 'SSH port published');
  t.equal(flagValue('--data'), '/data');
  t.ok(
    (app.volumes as string[]).some((v) => v.endsWith(':/data')),
    'data volume',
  );

  const dockerfile = await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  t.match(dockerfile, /^FROM .+ AS build$/m, 'multi-stage');
  t.match(dockerfile, /^USER (?!root)\S+/m, 'non-root user');
  t.match(dockerfile, /^VOLUME \["?\/data"?\]/m);
  t.match(dockerfile, /^CMD \["pushgate", "serve", "--data", "\/data", "--host", "0\.0\.0\.0"/m);
  const dockerignore = await readFile(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8');
  t.match(dockerignore, /node_modules/);
});

async function sourceTexts(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ts'));
  return Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
}
