/** Stable codes of the admin API's own answers (the others come from the layers below). */
export const ADMIN_ERROR = {
  unauthorized: 'E_UNAUTHORIZED',
  forbidden: 'E_FORBIDDEN',
  request: 'E_REQUEST',
  internal: 'E_INTERNAL',
} as const;
