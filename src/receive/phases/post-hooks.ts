import type { Push } from '../push.js';

/** Phase 9. post-receive, post-update, then in-process postReceive, after the report; their results do not change the push. */
export async function runPostHooks(push: Push): Promise<void> {
  const done = push.commands.filter((c) => c.ok);
  if (done.length === 0) return;
  try {
    await push.hooks.postReceive(push.commands, { pushOptions: push.pushOptions });
    await push.hooks.postUpdate(push.commands);
    if (push.session.hooks?.postReceive) await push.session.hooks.postReceive(push.hookContext(), done);
  } catch (err) {
    push.log?.warn({ err }, 'post hook failed');
  }
}
