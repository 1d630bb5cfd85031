/**
 * The `ng` reasons and messages git's receive-pack uses when a hook says no,
 * so that reports from pushgate read exactly like stock git's.
 */

/** Every command still pending when pre-receive fails gets this reason. */
export const PRE_RECEIVE_DECLINED = 'pre-receive hook declined';

/** The one command whose update hook failed gets this reason. */
export const UPDATE_HOOK_DECLINED = 'hook declined';

/** The band-2 line git sends (after `error: `) when the update hook declines a ref. */
export function updateHookDeclinedMessage(refName: string): string {
  return `hook declined to update ${refName}`;
}
