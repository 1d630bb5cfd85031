/**
 * pushgate as a library: an in-process server, the transport-agnostic git
 * services, the repository layer and the pieces to plug in (access, audit,
 * hooks, policy).
 */
export { createServer, type ServerOptions, type PushgateServer } from './server.js';
export { receivePack } from './receive/service.js';
export { ReceiveCommand, type CommandType } from './receive/command.js';
export type {
  AuditSink,
  HookContext,
  Identity,
  PushIntent,
  PushRecord,
  ReceiveHooks,
  ReceivePackOutcome,
  ReceivePackSession,
  Transport,
} from './receive/types.js';
export { uploadPack, type UploadPackSession, type UploadPackOutcome } from './upload/index.js';
export { openRepository, initRepository } from './repo/repository.js';
export type { Repository, RefStore, ObjectDatabase, GitConfig } from './repo/types.js';
export type { AccessControl, Access, AccessVerdict } from './transport/access.js';
export { OpenAccess } from './transport/open-access.js';
export { allowAnonymousPush } from './transport/anonymous-push.js';
export { openAccounts, type Accounts } from './auth/accounts.js';
export { startSshServer, type SshServerOptions } from './transport/ssh/server.js';
export { InMemoryPolicySource, PgPolicySource, type PolicySource, type ProtectionRule } from './policy/index.js';
export { PushgateError, ProtocolError, PackError, LimitError, RepositoryError, ObjectError } from './errors.js';
