/** Stable codes of the upload-pack service. */
export const UPLOAD_ERROR = {
  tooManyPacks: 'E_TOO_MANY_PACKS',
} as const;
