import { zeroOid, type HashAlgorithm } from '../objects/oid.js';
import { FLUSH_PKT, pktLine } from './pkt-line.js';

export interface AdvertisedRef {
  name: string;
  oid: string;
}

export interface AdvertisementOptions {
  refs: AdvertisedRef[];
  /** Oids advertised as `.have` (alternates' tips), deduplicated by the caller. */
  haves?: string[];
  capabilities: string[];
  algo: HashAlgorithm;
  /** GIT_PROTOCOL asked for version=1: prefix `version 1`. */
  version1?: boolean;
  /** Smart HTTP info/refs: `# service=…` and a flush first. */
  httpService?: string;
}

/**
 * The ref advertisement exactly as git-receive-pack writes it: capabilities
 * after a NUL on the first line, `capabilities^{}` with the zero id for an
 * empty repository, a closing flush.
 */
export function encodeAdvertisement(o: AdvertisementOptions): Buffer {
  const parts: Buffer[] = [];
  if (o.httpService) parts.push(pktLine(`# service=${o.httpService}\n`), FLUSH_PKT);
  if (o.version1) parts.push(pktLine('version 1\n'));
  const lines: { oid: string; name: string }[] = [...o.refs];
  for (const oid of o.haves ?? []) lines.push({ oid, name: '.have' });
  const caps = o.capabilities.join(' ');
  if (lines.length === 0) {
    parts.push(pktLine(`${zeroOid(o.algo)} capabilities^{}\0${caps}\n`));
  } else {
    lines.forEach((line, i) => {
      parts.push(pktLine(i === 0 ? `${line.oid} ${line.name}\0${caps}\n` : `${line.oid} ${line.name}\n`));
    });
  }
  parts.push(FLUSH_PKT);
  return Buffer.concat(parts);
}
