import type { FastifyInstance } from 'fastify';
import { createAccessControl, type AccountAccessControl } from '../auth/access-control.js';
import type { Database } from '../db/database.js';
import { auditRoutes } from './audit.js';
import { adminAuthHook } from './auth.js';
import type { AdminContext } from './context.js';
import { adminErrorHandler } from './error-handler.js';
import { grantRoutes } from './grants.js';
import { groupRoutes } from './groups.js';
import { keyRoutes } from './keys.js';
import { policyRoutes } from './policies.js';
import { repositoryRoutes } from './repositories.js';
import { errorSchema } from './schemas.js';
import { tokenRoutes } from './tokens.js';
import { refuseUnknownFields } from './unknown-fields.js';
import { userRoutes } from './users.js';

export interface AdminApiOptions {
  db: Database;
  /** The data folder: needed to create, delete, adopt and read repositories. */
  dataDir?: string;
  /** Defaults to one made over db (pass the server's, to share its authorized_keys setting). */
  access?: AccountAccessControl;
}

/** One resource's routes, registered inside the admin API's scope (its gate, guard and error handler apply). */
export type AdminRoutes = (app: FastifyInstance, context: AdminContext) => Promise<void>;

/** Every resource of the admin API. */
export const ADMIN_RESOURCES: readonly AdminRoutes[] = [
  userRoutes,
  keyRoutes,
  tokenRoutes,
  groupRoutes,
  repositoryRoutes,
  grantRoutes,
  auditRoutes,
  policyRoutes,
];

/**
 * A fastify plugin serving the given resources behind the admin API's gate
 * (admin tokens only), with its unknown-field guard, its error handler and
 * the shared schemas. Each resource is a plugin of its own inside it.
 */
export function adminPlugin(resources: readonly AdminRoutes[]) {
  return async (app: FastifyInstance, options: AdminApiOptions): Promise<void> => {
    const context: AdminContext = {
      db: options.db,
      dataDir: options.dataDir,
      access: options.access ?? createAccessControl({ db: options.db, dataDir: options.dataDir }),
    };
    app.addSchema(errorSchema);
    app.addHook('onRequest', adminAuthHook(context.access));
    app.addHook('preValidation', refuseUnknownFields);
    app.setErrorHandler(adminErrorHandler);
    for (const routes of resources) await app.register(routes, context);
  };
}

/**
 * The admin HTTP API (JSON, admin tokens only): users, SSH keys, tokens,
 * groups, repositories, grants, the push audit log and protection rules.
 * Register it with a prefix: `app.register(adminApi, { prefix: '/api/v1', db, dataDir, access })`.
 */
export const adminApi = adminPlugin(ADMIN_RESOURCES);

/** The protection-rule routes alone (`/policies/*`, `/policy-check`), behind the same gate. */
export const adminPolicyApi = adminPlugin([policyRoutes]);
