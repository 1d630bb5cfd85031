/** Stable codes for wire-format failures beyond the generic E_PROTOCOL. */
export const PROTOCOL_ERROR = {
  eof: 'E_EOF',
  commandTooLarge: 'E_COMMAND_TOO_LARGE',
} as const;
