/** Stable codes for objects that do not parse, are corrupt or missing, and for fsck and config syntax. */
export const OBJECT_ERROR = {
  badCommit: 'E_BAD_COMMIT',
  badTag: 'E_BAD_TAG',
  badTree: 'E_BAD_TREE',
  missingObject: 'E_MISSING_OBJECT',
  corruptObject: 'E_CORRUPT_OBJECT',
  configSyntax: 'E_CONFIG_SYNTAX',
  fsckConfig: 'E_FSCK_CONFIG',
  /** sha1dc found the object to be one half of a SHA-1 collision. */
  sha1Collision: 'E_SHA1_COLLISION',
} as const;
