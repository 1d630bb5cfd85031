import type { PolicyIdentity } from './checks.js';

/**
 * Users and groups in rules, written as grants write them: `alice` or
 * `@team`. Names compare ignoring case, as usernames and group names are
 * unique ignoring case.
 */
export function identityMatches(identity: PolicyIdentity | undefined, subjects: readonly string[]): boolean {
  if (!identity) return false;
  const username = identity.username?.toLowerCase();
  const groups = new Set((identity.groups ?? []).map((g) => g.toLowerCase()));
  return subjects.some((subject) =>
    subject.startsWith('@')
      ? groups.has(subject.slice(1).toLowerCase())
      : username !== undefined && subject.toLowerCase() === username,
  );
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
