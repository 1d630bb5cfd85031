import type { ObjectReader } from '../objects/object-reader.js';
import type { ObjectType } from '../objects/object-type.js';
import { isZeroOid } from '../objects/oid.js';
import { parseTag } from '../objects/tag.js';
import {
  checkNamespaceRules,
  namespaceOf,
  type NamespaceFacts,
  type NamespaceRejection,
  type ObjectFact,
  type RefUpdateInput,
} from './namespace-rules.js';

export type PeeledType = Exclude<ObjectType, 'tag'>;

/** The object lookups the namespace rules need; the receive service supplies them. */
export interface ObjectFactSource {
  /** Type of an object, or null when it is absent. */
  typeOf(oid: string): Promise<ObjectType | null>;
  /** Where a chain of annotated tags ends (the object itself when not a tag), or null when broken. */
  peel(oid: string): Promise<{ oid: string; type: PeeledType } | null>;
  /** `ancestor` is `descendant` or one of its ancestors; both are commits. */
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
}

/** Look up only the facts checkNamespaceRules will read for this update. */
export async function collectNamespaceFacts(update: RefUpdateInput, source: ObjectFactSource): Promise<NamespaceFacts> {
  const { refName, oldOid, newOid } = update;
  const facts: NamespaceFacts = {};
  if (isZeroOid(newOid) || oldOid === newOid) return facts;
  const namespace = namespaceOf(refName);

  const newSide = await lookUp(newOid, source);
  if (newSide) facts.new = newSide.fact;
  if (isZeroOid(oldOid) || namespace === 'tag') return facts;
  if (namespace === 'branch' && newSide?.fact.type !== 'commit') return facts;

  const oldSide = await lookUp(oldOid, source);
  if (oldSide) facts.old = oldSide.fact;
  if (oldSide?.peeledOid && newSide?.peeledOid && oldSide.fact.peeledType === 'commit' && newSide.fact.peeledType === 'commit') {
    facts.fastForward = await source.isAncestor(oldSide.peeledOid, newSide.peeledOid);
  }
  return facts;
}

/** collectNamespaceFacts then checkNamespaceRules. */
export async function evaluateNamespaceRules(
  update: RefUpdateInput,
  source: ObjectFactSource,
): Promise<NamespaceRejection | null> {
  return checkNamespaceRules(update, await collectNamespaceFacts(update, source));
}

async function lookUp(oid: string, source: ObjectFactSource): Promise<{ fact: ObjectFact; peeledOid?: string } | null> {
  const type = await source.typeOf(oid);
  if (!type) return null;
  if (type !== 'tag') return { fact: { type, peeledType: type }, peeledOid: oid };
  const peeled = await source.peel(oid);
  return peeled ? { fact: { type, peeledType: peeled.type }, peeledOid: peeled.oid } : { fact: { type } };
}

/**
 * An ObjectFactSource over any object store (the quarantine layered over the
 * repository during a push); ancestry comes from the caller's graph queries.
 */
export function readerFactSource(
  reader: ObjectReader,
  isAncestor: (ancestor: string, descendant: string) => Promise<boolean>,
): ObjectFactSource {
  return {
    typeOf: async (oid) => (await reader.info(oid))?.type ?? null,
    async peel(oid) {
      let current = oid;
      // Hashes make tag cycles impossible, so the chain always ends.
      for (;;) {
        // The type first: a ref may point to a blob of any size, never to be read whole.
        const info = await reader.info(current);
        if (!info) return null;
        if (info.type !== 'tag') return { oid: current, type: info.type };
        const object = await reader.read(current);
        if (!object) return null;
        try {
          current = parseTag(object.data, reader.algo).object;
        } catch {
          return null; // a malformed tag peels to nothing
        }
      }
    },
    isAncestor,
  };
}
