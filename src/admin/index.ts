/**
 * The admin HTTP API, a fastify plugin of its own: one file per resource
 * (users, keys, tokens, groups, repositories, grants, audit, policies) with
 * its schemas beside its routes, one gate (auth.ts), one unknown-field guard
 * and one error handler shared by all.
 */
export { adminApi, adminPolicyApi, adminPlugin, ADMIN_RESOURCES, type AdminApiOptions, type AdminRoutes } from './plugin.js';
export type { AdminContext } from './context.js';
