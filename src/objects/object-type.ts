export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/** Pack object type codes (gitformat-pack). */
export const PACK_TYPE = {
  commit: 1,
  tree: 2,
  blob: 3,
  tag: 4,
  ofsDelta: 6,
  refDelta: 7,
} as const;

const BY_CODE: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

export function objectTypeFromCode(code: number): ObjectType | undefined {
  return BY_CODE[code];
}

export function isObjectType(value: string): value is ObjectType {
  return value === 'commit' || value === 'tree' || value === 'blob' || value === 'tag';
}

/** An object's type and content, as read from any object store. */
export interface GitObject {
  type: ObjectType;
  data: Buffer;
}
