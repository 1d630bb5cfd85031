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
  /** Most lines of each kind one fetch request may carry (pushgate.maxWants, maxHaves, maxShallows); 0 = no limit. */
  limits: { want: number; have: number; shallow: number };
}

/** Far above what real clients send (one want per ref fetched, haves in rounds of at most a few thousand). */
export const DEFAULT_UPLOAD_LIMITS = { want: 100_000, have: 100_000, shallow: 100_000 };

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
    limits: {
      want: limit(config.getInt('pushgate.maxWants', DEFAULT_UPLOAD_LIMITS.want)),
      have: limit(config.getInt('pushgate.maxHaves', DEFAULT_UPLOAD_LIMITS.have)),
      shallow: limit(config.getInt('pushgate.maxShallows', DEFAULT_UPLOAD_LIMITS.shallow)),
    },
  };
}

/** A count limit; 0 (or anything below) is none. */
function limit(value: number): number {
  return Math.max(0, value);
}

function clampLevel(level: number): number {
  return level >= 0 && level <= 9 ? level : -1;
}
