import t from 'tap';
import Fastify, { type RouteOptions } from 'fastify';
import { adminApi } from '../src/admin/index.js';
import { createToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { backendName, testDatabase } from './db-helpers.js';

/**
 * Every input of every admin route (query, path, body) has a length or a
 * range, and a value beyond it is a 400 with a message: never a 500, never
 * stored. The routes are collected as fastify registers them, so a route
 * added later without limits fails here.
 */
type Schema = Record<string, any>;
interface Route {
  method: string;
  url: string;
  schema: { querystring?: Schema; params?: Schema; body?: Schema };
}

/** Every string, number and list in a schema that has no bound, as paths. */
function unbounded(schema: Schema | undefined, at: string, out: string[]): string[] {
  if (!schema) return out;
  for (const [i, alt] of (schema.anyOf ?? []).entries()) unbounded(alt, `${at}|${i}`, out);
  const types = ([] as string[]).concat(schema.type ?? []);
  if (types.includes('string') && !schema.enum && schema.maxLength === undefined) out.push(`${at} (string without maxLength)`);
  if ((types.includes('integer') || types.includes('number')) && schema.maximum === undefined)
    out.push(`${at} (number without maximum)`);
  if (types.includes('array')) {
    if (schema.maxItems === undefined) out.push(`${at} (array without maxItems)`);
    unbounded(schema.items, `${at}[]`, out);
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) unbounded(property as Schema, `${at}.${name}`, out);
  return out;
}

/** A small valid value for a field, so that only the one oversized field is wrong. */
function sample(name: string, schema: Schema): unknown {
  const known: Record<string, unknown> = {
    expiresIn: '30d',
    expiresAt: '2030-01-01T00:00:00Z',
    before: '1',
    key: '1',
    level: 'read',
    pattern: 'refs/heads/main',
    rule: { pattern: 'refs/heads/main' },
    scopes: ['read'],
    old: '0',
    new: '0',
    ref: 'refs/heads/main',
  };
  if (name in known) return known[name];
  if (schema.enum) return schema.enum[0];
  const type = ([] as string[]).concat(schema.type ?? 'string')[0];
  return type === 'integer' || type === 'number'
    ? 1
    : type === 'boolean'
      ? false
      : type === 'array'
        ? []
        : type === 'object'
          ? {}
          : 'x';
}

/** Values beyond the field's bound: the bound plus one, and far beyond. */
function oversized(schema: Schema, where: 'body' | 'querystring' | 'params'): unknown[] {
  const alt = schema.anyOf?.find((s: Schema) => s.type === 'integer') ?? schema;
  const types = ([] as string[]).concat(alt.type ?? []);
  if (types.includes('integer') || types.includes('number')) {
    return where === 'body' ? [alt.maximum + 1, 1e23] : [String(alt.maximum + 1), '99999999999999999999999'];
  }
  if (types.includes('array'))
    return [Array.from({ length: schema.maxItems + 1 }, (_, i) => sample('', schema.items ?? {}) ?? i)];
  if (types.includes('string') && !schema.enum) {
    // Path and query strings travel in the request line, which HTTP itself bounds at 16 KiB.
    return where === 'body' ? ['x'.repeat(schema.maxLength + 1), 'x'.repeat(100_000)] : ['x'.repeat(schema.maxLength + 1)];
  }
  return [];
}

t.test(`admin API limits (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  await addUser(db, { username: 'root', admin: true });
  await addUser(db, { username: 'x' });
  const admin = await createToken(db, { username: 'root', name: 'api' });
  const app = Fastify();
  const routes: Route[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of ([] as string[]).concat(route.method)) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, schema: (route.schema ?? {}) as Route['schema'] });
    }
  });
  await app.register(adminApi, { prefix: '/api/v1', db, dataDir: td.dataDir });
  t.teardown(() => app.close());
  t.ok(routes.length >= 30, `${routes.length} routes`);
  const call = (method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${admin.secret}` },
    });

  const offenders = routes.flatMap((r) =>
    (['querystring', 'params', 'body'] as const).flatMap((part) => unbounded(r.schema[part], `${r.method} ${r.url} ${part}`, [])),
  );
  t.same(offenders, [], 'every string has a maxLength, every number a maximum, every list a maxItems');

  let requests = 0;
  for (const route of routes) {
    const paramsSchema = route.schema.params?.properties ?? {};
    const bodySchema = route.schema.body;
    const baseParams = Object.fromEntries(Object.entries(paramsSchema).map(([k, s]) => [k, sample(k, s as Schema)]));
    const baseBody = bodySchema
      ? Object.fromEntries((bodySchema.required ?? []).map((k: string) => [k, sample(k, bodySchema.properties[k])]))
      : undefined;
    const baseQuery = Object.fromEntries(
      (route.schema.querystring?.required ?? []).map((k: string) => [k, sample(k, route.schema.querystring!.properties[k])]),
    );
    const urlOf = (p: Record<string, unknown>, q: Record<string, unknown>) => {
      const path = route.url
        .replace(/:(\w+)/g, (_m, k: string) => encodeURIComponent(String(p[k])))
        .replace('*', String(p['*'] ?? ''));
      const query = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString();
      return query ? `${path}?${query}` : path;
    };
    const cases: { part: string; field: string; url: string; body: unknown }[] = [];
    for (const [field, schema] of Object.entries(paramsSchema)) {
      for (const value of oversized(schema as Schema, 'params')) {
        cases.push({ part: 'params', field, url: urlOf({ ...baseParams, [field]: value }, baseQuery), body: baseBody });
      }
    }
    for (const [field, schema] of Object.entries(route.schema.querystring?.properties ?? {})) {
      for (const value of oversized(schema as Schema, 'querystring')) {
        cases.push({ part: 'querystring', field, url: urlOf(baseParams, { ...baseQuery, [field]: value }), body: baseBody });
      }
    }
    for (const [field, schema] of Object.entries(bodySchema?.properties ?? {})) {
      for (const value of oversized(schema as Schema, 'body')) {
        cases.push({ part: 'body', field, url: urlOf(baseParams, baseQuery), body: { ...baseBody, [field]: value } });
      }
    }
    for (const c of cases) {
      requests++;
      const r = await call(route.method, c.url, c.body);
      const what = `${route.method} ${route.url} ${c.part}.${c.field}`;
      if (r.statusCode !== 400) t.fail(`${what}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      else t.match(r.json(), { error: 'E_INVALID', message: /\S/ }, `${what}: 400`);
    }
  }
  t.ok(requests > 60, `${requests} oversized requests`);

  // The reproductions of the issue.
  for (const query of [
    'before=99999999999999999999999',
    'since=99999999999999999d',
    'until=99999999999999999d',
    'since=-271821-04-20',
  ]) {
    const r = await call('GET', `/api/v1/audit?${query}`);
    t.equal(r.statusCode, 400, query);
    t.match(r.json(), { error: 'E_INVALID', message: /\S/ });
  }
  t.match((await call('GET', '/api/v1/audit?since=99999999999999999d')).json().message, /too long a duration: at most 100y/);
  t.equal((await call('GET', '/api/v1/audit?since=7d&before=123456789012345678')).statusCode, 200, 'in range still works');
  const token = await call('POST', '/api/v1/users/x/tokens', { name: 'ci', expiresIn: '99999999999999d' });
  t.equal(token.statusCode, 400);
  t.match(token.json().message, /too long a duration/);
  t.equal((await call('POST', '/api/v1/users/x/tokens', { name: 'ci', expiresIn: '100y' })).statusCode, 201);
  const long = await call('POST', '/api/v1/users', { username: 'longname', displayName: 'x'.repeat(100_000) });
  t.equal(long.statusCode, 400);
  t.match(long.json().message, /displayName must NOT have more than 200 characters/);
  t.equal((await call('GET', '/api/v1/users/longname')).statusCode, 404, 'nothing stored');
  t.equal((await call('PATCH', '/api/v1/users/x', { displayName: 'x'.repeat(100_000) })).statusCode, 400);
  t.equal((await call('GET', '/api/v1/users/x')).json().displayName, null, 'unchanged');
  t.equal((await call('PATCH', '/api/v1/users/x', { displayName: 'x'.repeat(200) })).statusCode, 200, 'at the limit is fine');
  t.equal((await call('DELETE', '/api/v1/users/x/keys/99999999999')).statusCode, 400, 'a key id beyond integer');
  t.equal((await call('DELETE', '/api/v1/tokens/99999999999')).statusCode, 400, 'a token id beyond integer');
});
