import type { CliCommand } from '../command.js';
import { checkCommand } from './check.js';
import { grantCommand, revokeCommand } from './grant.js';
import { groupCommand } from './group.js';
import { keyCommand } from './key.js';
import { logCommand } from './log.js';
import { migrateCommand } from './migrate.js';
import { policyCommand } from './policy.js';
import { protectCommand } from './protect.js';
import { receivePackCommand } from './receive-pack.js';
import { repoCommand } from './repo.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';
import { uploadPackCommand } from './upload-pack.js';
import { userCommand } from './user.js';

/** Every subcommand, in the order `pushgate help` lists them. */
export const commands: CliCommand[] = [
  serveCommand,
  repoCommand,
  receivePackCommand,
  uploadPackCommand,
  // accounts, permissions and the audit log
  userCommand,
  groupCommand,
  keyCommand,
  tokenCommand,
  grantCommand,
  revokeCommand,
  logCommand,
  migrateCommand,
  // branch protection
  protectCommand,
  policyCommand,
  checkCommand,
];
