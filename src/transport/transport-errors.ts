/** Stable codes of the transports. */
export const TRANSPORT_ERROR = {
  sshHostKey: 'E_SSH_HOST_KEY',
} as const;
