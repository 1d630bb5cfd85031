import type { GitConfig } from '../repo/types.js';

/** What upload-pack allows and advertises, from the repository's config (git's keys). */
export interface UploadSettings {
  /** transfer.hideRefs then uploadpack.hideRefs (later entries win). */
  hideRefs: string[];
  /** uploadpack.allowTipSHA1InWant: wants may name the tip of a hidden ref. */
  allowTipSha1: boolean;
  /** uploadpack.allowReachableSHA1InWant: wants may name any commit reachable from a ref. */
  allowReachableSha1: boolean;
  /** uploadpack.allowAnySHA1InWant: wants may name any object. */
  allowAnySha1: boolean;
  /** uploadpack.keepAlive: seconds of silence before a keepalive packet while packing; 0 = never. */
  keepAliveSeconds: number;
  /** lsrefs.unborn. */
  lsRefsUnborn: 'advertise' | 'allow' | 'ignore';
  /** zlib level for objects deflated afresh (pack.compression, core.compression). */
  compressionLevel: number;
}

export function readUploadSettings(config: GitConfig): UploadSettings {
  const allowAnySha1 = config.getBool('uploadpack.allowAnySHA1InWant', false);
  const unborn = config.get('lsrefs.unborn');
  const core = config.getInt('core.compression', -1);
  return {
    hideRefs: [...config.getAll('transfer.hideRefs'), ...config.getAll('uploadpack.hideRefs')],
    allowTipSha1: allowAnySha1 || config.getBool('uploadpack.allowTipSHA1InWant', false),
    allowReachableSha1: allowAnySha1 || config.getBool('uploadpack.allowReachableSHA1InWant', false),
    allowAnySha1,
    keepAliveSeconds: Math.max(0, config.getInt('uploadpack.keepAlive', 5)),
    lsRefsUnborn: unborn === 'allow' || unborn === 'ignore' ? unborn : 'advertise',
    compressionLevel: clampLevel(config.getInt('pack.compression', core)),
  };
}

function clampLevel(level: number): number {
  return level >= 0 && level <= 9 ? level : -1;
}
