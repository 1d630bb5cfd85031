import type { PolicyIdentity } from './checks.js';

/**
 * Users and groups in rules, written as grants write them: `alice` or
 * `@team`. A subject names an account, so only an account matches it: an
 * identity with a userId, as the accounts database authenticated it (by
 * token, registered key, or an authorized_keys line mapped with
 * `pushgate-user`). `alice` is the account whose username is alice, and
 * usernames are unique ignoring case and never change, so the name stands
 * for exactly one user id; `@team` matches the account's groups, as the
 * database listed them. An identity without a userId (anonymous, a key of
 * the authorized_keys file, an embedder's identity) matches no subject
 * whatever its name or groups say. Names compare ignoring case.
 */
export function identityMatches(identity: PolicyIdentity | undefined, subjects: readonly string[]): boolean {
  if (!identity || !isAccount(identity)) return false;
  const username = identity.username.toLowerCase();
  const groups = new Set((identity.groups ?? []).map((g) => g.toLowerCase()));
  return subjects.some((subject) =>
    subject.startsWith('@') ? groups.has(subject.slice(1).toLowerCase()) : subject.toLowerCase() === username,
  );
}

/** An identity the accounts database vouches for: a user id and that user's name. */
function isAccount(identity: PolicyIdentity): identity is PolicyIdentity & { userId: number; username: string } {
  return Number.isSafeInteger(identity.userId) && typeof identity.username === 'string' && identity.username !== '';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `alice` or `@team`, with the characters user and group names may have. */
export function isValidSubject(subject: string): boolean {
  return NAME.test(subject.startsWith('@') ? subject.slice(1) : subject);
}

/** `alice, @leads` or `nobody`, for messages. */
export function describeSubjects(subjects: readonly string[]): string {
  return subjects.length ? subjects.join(', ') : 'nobody';
}

/** How the pusher is named in messages. */
export function describeIdentity(identity: PolicyIdentity | undefined): string {
  return identity?.username ? identity.username : 'an anonymous push';
}
