/** Stable codes for wire-format failures beyond the generic E_PROTOCOL. */
export const PROTOCOL_ERROR = {
  eof: 'E_EOF',
  commandTooLarge: 'E_COMMAND_TOO_LARGE',
  tooManyWants: 'E_TOO_MANY_WANTS',
  tooManyHaves: 'E_TOO_MANY_HAVES',
  tooManyShallows: 'E_TOO_MANY_SHALLOWS',
  tooManyCommands: 'E_TOO_MANY_COMMANDS',
  tooManyPushOptions: 'E_TOO_MANY_PUSH_OPTIONS',
} as const;
