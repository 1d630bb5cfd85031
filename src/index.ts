/**
 * pushgate as a library: an in-process server, the transport-agnostic git
 * services, the repository layer and the pieces to plug in (access, audit,
 * hooks, policy).
 */
export { createServer, type ServerOptions, type PushgateServer, type DatabaseOption } from './server.js';
export { adminApi, type AdminApiOptions } from './admin/index.js';
export { receivePack } from './receive/service.js';
export { ReceiveCommand, type CommandType } from './receive/command.js';
export type { AuditSink, PushIntent, PushRecord } from './audit-record.js';
export type { HookContext, ReceiveHooks, ReceivePackOutcome, ReceivePackSession } from './receive/types.js';
export type { Identity, Transport } from './identity.js';
export { uploadPack, type UploadPackSession, type UploadPackOutcome } from './upload/index.js';
export { openRepository } from './repo/repository.js';
export { initRepository } from './repo/init-repository.js';
export type { Repository, RefStore, ObjectDatabase, GitConfig } from './repo/types.js';
export type { AccessControl, Access, AccessVerdict } from './auth/access.js';
export { OpenAccess } from './auth/open-access.js';
export { allowAnonymousPush } from './auth/anonymous-push.js';
export { openAccounts, type Accounts } from './auth/accounts.js';
export { startSshServer, type SshServer, type SshServerOptions } from './transport/ssh/server.js';
export { InMemoryPolicySource, type PolicySource, type ProtectionRule } from './policy/index.js';
export { PgPolicySource } from './db/rule-store.js';
export { sha1dc, Sha1dc, type Sha1dcResult } from './objects/sha1dc.js';
export { PushgateError, ProtocolError, PackError, LimitError, RepositoryError, ObjectError } from './errors.js';
