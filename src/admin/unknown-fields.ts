import type { FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.js';

/**
 * Fastify's validator drops properties a schema does not list; for an admin
 * API a typo (`anonymous_read`) silently ignored is worse than a 400. Every
 * body schema with `additionalProperties: false` gets its unknown top-level
 * fields refused by name.
 */
export async function refuseUnknownFields(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema?.body as
    { properties?: Record<string, unknown>; additionalProperties?: boolean } | undefined;
  const body = request.body;
  if (!schema?.properties || schema.additionalProperties !== false || !body || typeof body !== 'object' || Array.isArray(body))
    return;
  const unknown = Object.keys(body).filter((key) => !(key in schema.properties!));
  if (unknown.length)
    throw new InvalidInputError(`unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, { fields: unknown });
}
