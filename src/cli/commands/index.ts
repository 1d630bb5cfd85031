import type { CliCommand } from '../command.js';

/**
 * Every subcommand, in the order `pushgate help` lists them. Loaded on
 * demand: `pushgate receive-pack`, run once per push by git, must not pay for
 * the web server, SSH and database modules it does not use.
 */
export const commandLoaders: { name: string; load: () => Promise<CliCommand> }[] = [
  { name: 'serve', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'repo', load: async () => (await import('./repo.js')).repoCommand },
  { name: 'receive-pack', load: async () => (await import('./receive-pack.js')).receivePackCommand },
  { name: 'upload-pack', load: async () => (await import('./upload-pack.js')).uploadPackCommand },
  { name: 'gc', load: async () => (await import('./gc.js')).gcCommand },
  // accounts, permissions and the audit log
  { name: 'user', load: async () => (await import('./user.js')).userCommand },
  { name: 'group', load: async () => (await import('./group.js')).groupCommand },
  { name: 'key', load: async () => (await import('./key.js')).keyCommand },
  { name: 'token', load: async () => (await import('./token.js')).tokenCommand },
  { name: 'grant', load: async () => (await import('./grant.js')).grantCommand },
  { name: 'revoke', load: async () => (await import('./grant.js')).revokeCommand },
  { name: 'log', load: async () => (await import('./log.js')).logCommand },
  { name: 'migrate', load: async () => (await import('./migrate.js')).migrateCommand },
  // branch protection
  { name: 'protect', load: async () => (await import('./protect.js')).protectCommand },
  { name: 'policy', load: async () => (await import('./policy.js')).policyCommand },
  { name: 'check', load: async () => (await import('./check.js')).checkCommand },
];
