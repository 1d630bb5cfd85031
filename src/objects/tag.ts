import { ObjectError } from '../errors.js';
import { parseHeaderBlock, headerValue, type ObjectHeader } from './headers.js';
import { parseIdent, type Ident } from './ident.js';
import { isObjectType, type ObjectType } from './object-type.js';
import { isOid, type HashAlgorithm } from './oid.js';
import { OBJECT_ERROR } from './object-errors.js';

export interface Tag {
  object: string;
  type: ObjectType;
  tag: string;
  /** Absent in very old tags. */
  tagger?: Ident;
  headers: ObjectHeader[];
  message: string;
}

/** Parse an annotated tag; like git's parse_tag_buffer it needs object, type and tag. */
export function parseTag(data: Buffer, algo: HashAlgorithm): Tag {
  const block = parseHeaderBlock(data);
  const [objectHeader, typeHeader] = block.headers;
  if (!objectHeader || objectHeader.key !== 'object' || !isOid(objectHeader.value, algo)) {
    throw new ObjectError(OBJECT_ERROR.badTag, 'bad object pointer in tag');
  }
  if (!typeHeader || typeHeader.key !== 'type' || !isObjectType(typeHeader.value)) {
    throw new ObjectError(OBJECT_ERROR.badTag, 'bad type in tag');
  }
  const name = headerValue(block, 'tag');
  if (name === undefined) throw new ObjectError(OBJECT_ERROR.badTag, 'missing tag name in tag');
  const tag: Tag = {
    object: objectHeader.value,
    type: typeHeader.value,
    tag: name,
    headers: block.headers,
    message: block.message,
  };
  const tagger = headerValue(block, 'tagger');
  if (tagger !== undefined) tag.tagger = parseIdent(tagger);
  return tag;
}
