import type { GitConfig } from '../repo/types.js';

export type DenyCurrentMode = 'refuse' | 'refuse-unconfigured' | 'warn' | 'ignore' | 'invalid';

/** What a push is allowed to do, read from the repository's own config (git's keys). */
export interface ReceiveSettings {
  denyDeletes: boolean;
  denyNonFastForwards: boolean;
  denyDeleteCurrent: DenyCurrentMode;
  /** Only for non-bare repositories: the checked-out branch. */
  denyCurrentBranch: DenyCurrentMode | 'update-instead';
  /** core.bare; a non-bare repository has a work tree whose branch git protects. */
  bare: boolean;
  advertiseAtomic: boolean;
  advertisePushOptions: boolean;
  useOfsDelta: boolean;
  keepAliveSeconds: number;
  /** 0 = unlimited (receive.maxInputSize). */
  maxInputSize: number;
  /** 0 = unlimited (pushgate.maxObjectSize). */
  maxObjectSize: number;
  /** Bytes of commands + push options before the push is refused (pushgate.maxCommandBytes). */
  maxCommandBytes: number;
  /** Most ref updates, push options and shallow lines one push may carry (pushgate.maxCommands, maxPushOptions, maxShallows); 0 = no limit. */
  limits: { command: number; pushOption: number; shallow: number };
  fsckObjects: boolean;
  /**
   * pushgate.safeTrees (default on): trees and special blobs that attack a
   * checkout are refused even with receive.fsckObjects off (CHECKOUT_SAFETY_IDS).
   */
  safeTrees: boolean;
  /** receive.fsck.<msg-id> = error|warn|ignore. */
  fsckSeverities: Record<string, string>;
  hideRefs: string[];
  /** pushgate.namespaceRules: `git push`'s rules, enforced by the server. */
  namespaceRules: boolean;
  /** receive.unpackLimit: below it git would have used unpack-objects (affects the unpack status text). */
  unpackLimit: number;
  /** pushgate.sha1CollisionDetection (default true): received SHA-1 objects are hashed with sha1dc, as git does. */
  sha1CollisionDetection: boolean;
}

/** Far above real pushes (a mirror push of every tag of a big project is tens of thousands of updates). */
export const DEFAULT_RECEIVE_LIMITS = { command: 100_000, pushOption: 1000, shallow: 100_000 };

export function readReceiveSettings(config: GitConfig): ReceiveSettings {
  const fsckSeverities: Record<string, string> = {};
  for (const key of config.keys().filter((k) => k.toLowerCase().startsWith('receive.fsck.'))) {
    const id = key.slice('receive.fsck.'.length);
    if (id.toLowerCase() === 'skiplist') continue;
    const value = config.get(key);
    if (value) fsckSeverities[id] = value.toLowerCase();
  }
  const fsckDefault = config.getBool('transfer.fsckObjects', false);
  const unpackDefault = config.getInt('transfer.unpackLimit', 100);
  return {
    denyDeletes: config.getBool('receive.denyDeletes', false),
    denyNonFastForwards: config.getBool('receive.denyNonFastForwards', false),
    denyDeleteCurrent: parseDenyCurrent(config.get('receive.denyDeleteCurrent')),
    denyCurrentBranch:
      config.get('receive.denyCurrentBranch')?.toLowerCase() === 'updateinstead'
        ? 'update-instead'
        : parseDenyCurrent(config.get('receive.denyCurrentBranch')),
    bare: config.getBool('core.bare', true),
    advertiseAtomic: config.getBool('receive.advertiseAtomic', true),
    advertisePushOptions: config.getBool('receive.advertisePushOptions', false),
    useOfsDelta: config.getBool('repack.useDeltaBaseOffset', true),
    keepAliveSeconds: config.getInt('receive.keepAlive', 5),
    maxInputSize: config.getInt('receive.maxInputSize', 0),
    maxObjectSize: config.getInt('pushgate.maxObjectSize', 0),
    maxCommandBytes: config.getInt('pushgate.maxCommandBytes', 3 * 1024 * 1024),
    limits: {
      command: Math.max(0, config.getInt('pushgate.maxCommands', DEFAULT_RECEIVE_LIMITS.command)),
      pushOption: Math.max(0, config.getInt('pushgate.maxPushOptions', DEFAULT_RECEIVE_LIMITS.pushOption)),
      shallow: Math.max(0, config.getInt('pushgate.maxShallows', DEFAULT_RECEIVE_LIMITS.shallow)),
    },
    fsckObjects: config.getBool('receive.fsckObjects', fsckDefault),
    safeTrees: config.getBool('pushgate.safeTrees', true),
    fsckSeverities,
    hideRefs: [...config.getAll('transfer.hideRefs'), ...config.getAll('receive.hideRefs')],
    namespaceRules: config.getBool('pushgate.namespaceRules', false),
    unpackLimit: config.getInt('receive.unpackLimit', unpackDefault),
    sha1CollisionDetection: config.getBool('pushgate.sha1CollisionDetection', true),
  };
}

function parseDenyCurrent(value: string | undefined): DenyCurrentMode {
  if (value === undefined) return 'refuse-unconfigured';
  switch (value.toLowerCase()) {
    case 'refuse':
    case 'true':
    case 'yes':
    case 'on':
    case '1':
    case 'updateinstead':
      return 'refuse';
    case 'warn':
      return 'warn';
    case 'ignore':
    case 'false':
    case 'no':
    case 'off':
    case '0':
      return 'ignore';
    default:
      return 'invalid';
  }
}
