import { isValidRefName } from '../repo/refs/refname.js';
import { isAncestor } from '../repo/graph.js';
import type { ObjectReader } from '../objects/object-reader.js';
import type { ResponseWriter } from './response-writer.js';
import type { ReceiveCommand } from './command.js';
import type { ReceiveSettings } from './settings.js';

const UNCONFIGURED_DELETE_CURRENT = `By default, deleting the current branch is denied, because the next
'git clone' won't result in any file checked out, causing confusion.

You can set 'receive.denyDeleteCurrent' configuration variable to
'warn' or 'ignore' in the remote repository to allow deleting the
current branch, with or without a warning message.

To squelch this message, you can set it to 'refuse'.`;

const UNCONFIGURED_CURRENT_BRANCH = `By default, updating the current branch in a non-bare repository
is denied, because it will make the index and work tree inconsistent
with what you pushed, and will require 'git reset --hard' to match
the work tree to HEAD.

You can set the 'receive.denyCurrentBranch' configuration variable
to 'ignore' or 'warn' in the remote repository to allow pushing into
its current branch; however, this is not recommended unless you
arranged to update its work tree to match what you pushed in some
other way.

To squelch this message and still keep the default behaviour, set
'receive.denyCurrentBranch' configuration variable to 'refuse'.`;

/** A ref name git-receive-pack 2.39 accepts for any update (no one-level names under refs/). */
export function isFunnyRefName(refName: string): boolean {
  return !refName.startsWith('refs/') || !isValidRefName(refName.slice(5), { allowOneLevel: false });
}

/**
 * The checks git's update() makes before the update hook, in its order:
 * funny refname, new object present, receive.denyDeletes,
 * receive.denyDeleteCurrent, receive.denyNonFastForwards. Rejects the command
 * with git's reason and prints git's message; returns whether it passed.
 */
export async function runBuiltinChecks(
  command: ReceiveCommand,
  context: { objects: ObjectReader; settings: ReceiveSettings; headTarget: string | null; writer: ResponseWriter },
): Promise<boolean> {
  const { objects, settings, writer } = context;
  if (isFunnyRefName(command.refName)) {
    writer.error(`refusing to create funny ref '${command.refName}' remotely`);
    command.reject('funny refname', 'git:refname');
    return false;
  }
  // The settings guard the ref that is written: through a symref, its target.
  const name = command.writtenRef;
  if (
    !settings.bare &&
    command.type !== 'delete' &&
    context.headTarget === name &&
    !checkCurrentBranch(command, settings, writer)
  ) {
    return false;
  }
  if (command.type !== 'delete' && !(await objects.has(command.newOid))) {
    writer.error(`unpack should have generated ${command.newOid}, but I can't find it!`);
    command.reject('bad pack', 'git:objects');
    return false;
  }
  if (command.type === 'delete') {
    if (settings.denyDeletes && name.startsWith('refs/heads/')) {
      writer.error(`denying ref deletion for ${name}`);
      command.reject('deletion prohibited', 'receive.denyDeletes');
      return false;
    }
    if (context.headTarget === name && !checkDeleteCurrent(command, settings, writer)) return false;
  }
  if (settings.denyNonFastForwards && command.type === 'update' && name.startsWith('refs/heads/')) {
    const [oldInfo, newInfo] = await Promise.all([objects.info(command.oldOid), objects.info(command.newOid)]);
    if (oldInfo?.type !== 'commit' || newInfo?.type !== 'commit') {
      writer.error(`bad sha1 objects for ${name}`);
      command.reject('bad ref', 'receive.denyNonFastForwards');
      return false;
    }
    if (!(await isAncestor(objects, command.oldOid, command.newOid))) {
      writer.error(`denying non-fast-forward ${name} (you should pull first)`);
      command.reject('non-fast-forward', 'receive.denyNonFastForwards');
      return false;
    }
  }
  return true;
}

function checkDeleteCurrent(command: ReceiveCommand, settings: ReceiveSettings, writer: ResponseWriter): boolean {
  switch (settings.denyDeleteCurrent) {
    case 'ignore':
      return true;
    case 'warn':
      writer.warning('deleting the current branch');
      return true;
    case 'invalid':
      command.reject('Invalid denyDeleteCurrent setting', 'receive.denyDeleteCurrent');
      return false;
    case 'refuse-unconfigured':
    case 'refuse':
      if (settings.denyDeleteCurrent === 'refuse-unconfigured') {
        for (const line of UNCONFIGURED_DELETE_CURRENT.split('\n')) writer.error(line);
      }
      writer.error(`refusing to delete the current branch: ${command.refName}`);
      command.reject('deletion of the current branch prohibited', 'receive.denyDeleteCurrent');
      return false;
  }
}

/** receive.denyCurrentBranch, for the branch checked out in a non-bare repository's work tree. */
function checkCurrentBranch(command: ReceiveCommand, settings: ReceiveSettings, writer: ResponseWriter): boolean {
  switch (settings.denyCurrentBranch) {
    case 'ignore':
      return true;
    case 'warn':
      writer.warning('updating the current branch');
      return true;
    case 'update-instead':
      // git would update the work tree; pushgate never touches work trees.
      writer.error(`refusing to update checked out branch: ${command.refName}`);
      command.reject('denyCurrentBranch = updateInstead is not supported by pushgate', 'receive.denyCurrentBranch');
      return false;
    case 'invalid':
    case 'refuse-unconfigured':
    case 'refuse':
      if (settings.denyCurrentBranch !== 'refuse') for (const line of UNCONFIGURED_CURRENT_BRANCH.split('\n')) writer.error(line);
      writer.error(`refusing to update checked out branch: ${command.refName}`);
      command.reject('branch is currently checked out', 'receive.denyCurrentBranch');
      return false;
  }
}
