import type { HashAlgorithm } from '../objects/oid.js';
import type { V2Capability } from '../protocol/v2-request.js';
import { AGENT } from '../version.js';
import type { UploadSettings } from './settings.js';

/**
 * The v0/v1 capabilities, in git 2.39's order (upload-pack.c send_ref).
 * `no-done` only for --advertise-refs, i.e. the smart-HTTP advertisement,
 * as git does: only a stateless client can use it.
 */
export function uploadCapabilities(
  settings: UploadSettings,
  options: { algo: HashAlgorithm; headTarget?: string; advertiseOnly: boolean },
): string[] {
  const caps = [
    'multi_ack',
    'thin-pack',
    'side-band',
    'side-band-64k',
    'ofs-delta',
    'shallow',
    'deepen-since',
    'deepen-not',
    'deepen-relative',
    'no-progress',
    'include-tag',
    'multi_ack_detailed',
  ];
  if (settings.allowTipSha1) caps.push('allow-tip-sha1-in-want');
  if (settings.allowReachableSha1) caps.push('allow-reachable-sha1-in-want');
  if (options.advertiseOnly) caps.push('no-done');
  if (options.headTarget) caps.push(`symref=HEAD:${options.headTarget}`);
  caps.push(`object-format=${options.algo}`, `agent=${AGENT}`);
  return caps;
}

/** The v2 capability advertisement, as git 2.39 serves it (filter, ref-in-want, packfile-uris left out). */
export function uploadV2Capabilities(settings: UploadSettings, algo: HashAlgorithm): V2Capability[] {
  return [
    { name: 'agent', value: AGENT },
    { name: 'ls-refs', value: settings.lsRefsUnborn === 'advertise' ? 'unborn' : undefined, command: true },
    { name: 'fetch', value: 'shallow wait-for-done', command: true },
    { name: 'server-option' },
    { name: 'object-format', value: algo },
    { name: 'object-info', command: true },
  ];
}
