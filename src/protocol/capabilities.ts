import type { HashAlgorithm } from '../objects/oid.js';

/**
 * What receive-pack advertises, as data: each switch is a setting (the
 * repository's config today, a test remote's knobs later), not a branch in
 * the advertisement code. Order is git's (builtin/receive-pack.c show_ref).
 */
export interface ReceiveCapabilitySettings {
  reportStatus: boolean;
  reportStatusV2: boolean;
  deleteRefs: boolean;
  sideBand64k: boolean;
  quiet: boolean;
  atomic: boolean;
  ofsDelta: boolean;
  pushOptions: boolean;
  objectFormat: HashAlgorithm;
  agent: string;
}

export function receiveCapabilities(s: ReceiveCapabilitySettings): string[] {
  const caps: string[] = [];
  if (s.reportStatus) caps.push('report-status');
  if (s.reportStatusV2) caps.push('report-status-v2');
  if (s.deleteRefs) caps.push('delete-refs');
  if (s.sideBand64k) caps.push('side-band-64k');
  if (s.quiet) caps.push('quiet');
  if (s.atomic) caps.push('atomic');
  if (s.ofsDelta) caps.push('ofs-delta');
  if (s.pushOptions) caps.push('push-options');
  caps.push(`object-format=${s.objectFormat}`);
  caps.push(`agent=${s.agent}`);
  return caps;
}

/** Client capabilities as sent (space separated, git sends a leading space). */
export class CapabilitySet {
  private readonly entries = new Map<string, string | true>();

  constructor(list: string[] = []) {
    for (const item of list) {
      if (!item) continue;
      const eq = item.indexOf('=');
      if (eq < 0) this.entries.set(item, true);
      else this.entries.set(item.slice(0, eq), item.slice(eq + 1));
    }
  }

  static parse(text: string): CapabilitySet {
    return new CapabilitySet(text.split(' '));
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  value(name: string): string | undefined {
    const v = this.entries.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  list(): string[] {
    return [...this.entries].map(([k, v]) => (v === true ? k : `${k}=${v}`));
  }
}
