import type { ObjectType } from '../objects/object-type.js';

/**
 * Called once for every object a received pack brings, with its content as
 * the indexer has it in hand anyway (whole objects as read, deltas as
 * resolved): connectivity and fsck then cost no second pass over the pack.
 * A big blob (see big-objects.ts) is streamed, never held: it comes with its
 * size and null data. Thin-pack bases taken from the repository are not
 * visited. The buffers are only valid during the call.
 */
export type ObjectVisitor = (oid: Buffer, type: ObjectType, data: Buffer | null, size: number) => void;
