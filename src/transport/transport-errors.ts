/** Stable codes of the transports. */
export const TRANSPORT_ERROR = {
  sshHostKey: 'E_SSH_HOST_KEY',
  /** An HTTP body that does not decode as its Content-Encoding says (not gzip, truncated). */
  badBodyEncoding: 'E_BAD_BODY_ENCODING',
  /** An HTTP body (decoded) beyond the server's limit for the service. */
  bodyTooLarge: 'E_BODY_TOO_LARGE',
} as const;
