/**
 * One error class per kind, each with a stable `code` (and `name`, which tap
 * matches on). Protocol-level failures are turned into ERR / unpack / ng lines
 * by the service; per-ref rejections are ReceiveCommand results, not errors.
 */
/**
 * The ground floor's stable codes. Each layer lists its own beside it
 * (objects/object-errors.ts, pack/pack-errors.ts, protocol/protocol-errors.ts,
 * repo/repo-errors.ts, upload/upload-errors.ts, db/db-errors.ts,
 * transport/transport-errors.ts, admin/admin-errors.ts); a test keeps every
 * code in exactly one such list.
 */
export const ERROR_CODE = {
  protocol: 'E_PROTOCOL',
  clientGone: 'E_CLIENT_GONE',
  notFound: 'E_NOT_FOUND',
  conflict: 'E_CONFLICT',
  invalid: 'E_INVALID',
} as const;

export class PushgateError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.name = new.target.name;
    this.data = data;
  }
  toJSON() {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

/** Malformed pkt-lines, commands, capabilities: the connection ends with a message. */
export class ProtocolError extends PushgateError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(ERROR_CODE.protocol, message, data);
  }
}

/** A pack that cannot be ingested; `message` is what follows `unpack ` in the report. */
export class PackError extends PushgateError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}

/** A configured limit was exceeded where the bytes are read. */
export class LimitError extends PushgateError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}

/** A maintenance run (repack, pack-refs, litter removal) that could not start or finish. */
export class MaintenanceError extends PushgateError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}

/** Repository missing, unreadable or malformed on disk. */
export class RepositoryError extends PushgateError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}

/** An object that does not parse or is missing. */
export class ObjectError extends PushgateError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}

/** The client closed the connection while the server was still sending. */
export class ClientGoneError extends PushgateError {
  constructor() {
    super(ERROR_CODE.clientGone, 'the client closed the connection');
  }
}

/** A user, key, token, group, grant or repository that does not exist. */
export class NotFoundError extends PushgateError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(ERROR_CODE.notFound, message, data);
  }
}

/** Creating something that already exists (a username, a key fingerprint, …). */
export class ConflictError extends PushgateError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(ERROR_CODE.conflict, message, data);
  }
}

/** A malformed name, key, level, pattern or duration. */
export class InvalidInputError extends PushgateError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(ERROR_CODE.invalid, message, data);
  }
}
