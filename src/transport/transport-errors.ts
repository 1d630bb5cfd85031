/** Stable codes of the transports. */
export const TRANSPORT_ERROR = {
  sshHostKey: 'E_SSH_HOST_KEY',
  unauthorized: 'E_UNAUTHORIZED',
  forbidden: 'E_FORBIDDEN',
  badRequest: 'E_REQUEST',
  internal: 'E_INTERNAL',
} as const;
