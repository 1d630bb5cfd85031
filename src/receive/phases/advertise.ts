import { encodeAdvertisement } from '../../protocol/advertisement.js';
import { receiveCapabilities } from '../../protocol/capabilities.js';
import { isHiddenRef } from '../../repo/hidden-refs.js';
import type { Repository } from '../../repo/types.js';
import { writeToStream } from '../../streams.js';
import { AGENT } from '../../version.js';
import type { Push } from '../push.js';
import type { ReceiveSettings } from '../settings.js';

export function advertisedCapabilities(repo: Repository, settings: ReceiveSettings): string[] {
  return receiveCapabilities({
    reportStatus: true,
    reportStatusV2: true,
    deleteRefs: true,
    sideBand64k: true,
    quiet: true,
    atomic: settings.advertiseAtomic,
    ofsDelta: settings.useOfsDelta,
    pushOptions: settings.advertisePushOptions,
    objectFormat: repo.algo,
    agent: AGENT,
  });
}

/** git-receive-pack's ref advertisement: refs/ only, no HEAD, no peeled lines, hidden refs left out. */
export async function buildAdvertisement(
  repo: Repository,
  settings: ReceiveSettings,
  options: { version1: boolean; httpService?: string },
): Promise<Buffer> {
  const refs = (await repo.refs.list()).filter((ref) => !isHiddenRef(ref.name, settings.hideRefs));
  return encodeAdvertisement({
    refs,
    capabilities: advertisedCapabilities(repo, settings),
    algo: repo.algo,
    version1: options.version1,
    httpService: options.httpService,
  });
}

/** GIT_PROTOCOL asks for version=1 (receive-pack has no v2; git's client never asks it for push). */
export function wantsVersion1(gitProtocol: string | undefined): boolean {
  return (gitProtocol ?? '').split(':').includes('version=1');
}

/** Phase 1. The ref advertisement, unless the transport already sent it (smart HTTP). Returns whether the push goes on. */
export async function advertise(push: Push): Promise<boolean> {
  const { session } = push;
  if (session.statelessRpc && !session.advertiseOnly) return true;
  const advertisement = await buildAdvertisement(push.repo, push.settings, { version1: wantsVersion1(session.gitProtocol) });
  await writeToStream(session.output, advertisement);
  return !session.advertiseOnly;
}
