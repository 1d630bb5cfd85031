import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { InvalidInputError } from '../errors.js';

/** Key types users may register: what both OpenSSH and ssh2 (the SSH server) handle. */
export const SUPPORTED_KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
] as const;
export type SshKeyType = (typeof SUPPORTED_KEY_TYPES)[number];

const MIN_RSA_BITS = 2048;

export interface SshPublicKey {
  algorithm: SshKeyType;
  /** The key blob as sent on the wire (what the base64 field of a key line decodes to). */
  blob: Buffer;
  /** As `ssh-keygen -lf` prints it: `SHA256:<base64 without padding>`. */
  fingerprint: string;
  bits: number;
  comment: string;
}

/** `SHA256:…` of a key blob, exactly as OpenSSH prints fingerprints. */
export function sshFingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/**
 * Parses one OpenSSH public key line (`ssh-ed25519 AAAA… comment`). Lines from
 * an authorized_keys file may start with options (`no-pty,command="…" ssh-rsa
 * AAAA…`); they are skipped. Throws InvalidInputError with a reason.
 */
export function parsePublicKeyLine(line: string): SshPublicKey {
  const trimmed = line.trim();
  if (!trimmed) throw new InvalidInputError('empty public key');
  if (trimmed.includes('PRIVATE KEY')) throw new InvalidInputError('this is a private key; give the public key (the .pub file)');
  const tokens = splitKeyLine(trimmed);
  const typeIndex = tokens.findIndex((t) => /^(ssh-|ecdsa-|sk-)/.test(t));
  if (typeIndex < 0 || typeIndex + 1 >= tokens.length)
    throw new InvalidInputError('not an OpenSSH public key line (expected "<type> <base64> [comment]")');
  const type = tokens[typeIndex]!;
  if (type.startsWith('sk-'))
    throw new InvalidInputError(
      `security-key (FIDO) keys (${type}) are not supported by the SSH server; use an ed25519, RSA or ECDSA key`,
    );
  if (type === 'ssh-dss') throw new InvalidInputError('DSA keys are not supported (OpenSSH disabled them); use an ed25519 key');
  if (type.includes('-cert-')) throw new InvalidInputError('OpenSSH certificates are not supported; give the plain public key');
  if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(type)) throw new InvalidInputError(`unsupported key type ${type}`);
  const base64 = tokens[typeIndex + 1]!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new InvalidInputError('the key data is not base64');
  const blob = Buffer.from(base64, 'base64');
  const comment = tokens.slice(typeIndex + 2).join(' ');
  return describeKeyBlob(type as SshKeyType, blob, comment);
}

/**
 * The options field of an authorized_keys line (`no-pty,command="a b" ssh-ed25519 AAAA…`),
 * split into options as sshd reads them (`no-pty`, `command="a b"`); empty without one.
 */
export function authorizedKeysOptions(line: string): string[] {
  const tokens = splitKeyLine(line.trim());
  const typeIndex = tokens.findIndex((t) => /^(ssh-|ecdsa-|sk-)/.test(t));
  if (typeIndex <= 0) return [];
  const field = tokens.slice(0, typeIndex).join(' ');
  const options: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < field.length; i++) {
    const ch = field[i]!;
    if (ch === '\\' && quoted && i + 1 < field.length) current += ch + field[++i];
    else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (ch === ',' && !quoted) {
      options.push(current);
      current = '';
    } else current += ch;
  }
  options.push(current);
  return options.filter(Boolean);
}

/** Checks a key blob (as the SSH client sends it) and describes it. */
export function describeKeyBlob(algorithm: SshKeyType, blob: Buffer, comment = ''): SshPublicKey {
  const reader = new BlobReader(blob);
  const innerType = reader.string().toString('latin1');
  if (innerType !== algorithm)
    throw new InvalidInputError(`the key data says ${innerType || 'nothing'}, the line says ${algorithm}`);
  const parsed = ssh2.utils.parseKey(blob);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new InvalidInputError(`malformed ${algorithm} key`);
  const bits = keyBits(algorithm, reader);
  if (algorithm === 'ssh-rsa' && bits < MIN_RSA_BITS)
    throw new InvalidInputError(`RSA keys need at least ${MIN_RSA_BITS} bits (this one has ${bits})`);
  return { algorithm, blob, fingerprint: sshFingerprint(blob), bits, comment };
}

/** The size ssh-keygen -l shows: the modulus for RSA, the curve for ECDSA, 256 for ed25519. */
function keyBits(algorithm: SshKeyType, reader: BlobReader): number {
  switch (algorithm) {
    case 'ssh-rsa': {
      reader.string(); // public exponent
      const modulus = reader.string();
      let start = 0;
      while (start < modulus.length && modulus[start] === 0) start++;
      if (start === modulus.length) return 0;
      return (modulus.length - start - 1) * 8 + (32 - Math.clz32(modulus[start]!));
    }
    case 'ecdsa-sha2-nistp256':
      return 256;
    case 'ecdsa-sha2-nistp384':
      return 384;
    case 'ecdsa-sha2-nistp521':
      return 521;
    case 'ssh-ed25519':
      return 256;
  }
}

/** Splits on whitespace, keeping double-quoted option values (`command="a b"`) whole. */
function splitKeyLine(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && quoted && i + 1 < line.length) {
      current += ch + line[++i];
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (!quoted && /\s/.test(ch)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** Reads SSH wire strings (uint32 length + bytes) from a key blob. */
class BlobReader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}

  string(): Buffer {
    if (this.offset + 4 > this.data.length) throw new InvalidInputError('truncated key data');
    const length = this.data.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.data.length) throw new InvalidInputError('truncated key data');
    this.offset = start + length;
    return this.data.subarray(start, start + length);
  }
}
