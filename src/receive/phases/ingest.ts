import { LimitError, ObjectError, PackError } from '../../errors.js';
import { CHECKOUT_SAFETY_IDS, fsckOverridesFromEntries, lookupFsckMessageId } from '../../objects/fsck-messages.js';
import type { FsckOptions } from '../../objects/fsck-reporter.js';
import { OBJECT_ERROR } from '../../objects/object-errors.js';
import { indexPack, parsePackHeader } from '../../pack/index.js';
import type { ByteReader } from '../../protocol/byte-reader.js';
import type { Quarantine } from '../../repo/types.js';
import type { Push } from '../push.js';
import { ObjectKeeper } from '../object-keeper.js';
import { PushedObjects } from '../pushed-objects.js';
import type { ResponseWriter } from '../response-writer.js';
import type { ReceiveSettings } from '../settings.js';

/**
 * Phase 3. When any command brings an object (anything but deletes), the pack
 * that follows the commands goes into a new quarantine. On failure every
 * command gets git's `unpacker error` and the `unpack` line says why.
 */
export async function ingest(push: Push, bytes: ByteReader): Promise<void> {
  if (push.auditUnavailable || push.commands.every((c) => c.type === 'delete')) return;
  try {
    push.quarantine = await push.repo.createQuarantine();
    // From here on whatever happens, the push's end discards it (keeper.discard()).
    push.keeper = new ObjectKeeper(push.repo, push.quarantine);
  } catch (err) {
    push.log?.error({ err }, 'cannot create quarantine');
    push.unpackStatus = 'unable to create temporary object directory';
  }
  if (push.quarantine) {
    const unpacked = await unpackIntoQuarantine({
      bytes,
      quarantine: push.quarantine,
      settings: push.settings,
      writer: push.out,
      quiet: push.request!.capabilities.has('quiet'),
      inputEnds: !!push.session.statelessRpc,
    });
    push.packBytes = unpacked.bytes;
    if (unpacked.ok) {
      push.packObjects = unpacked.objects;
      push.pushed = unpacked.pushed;
    } else push.unpackStatus = unpacked.status;
  }
  push.keeper.pushed = push.pushed;
  if (push.unpackStatus !== 'ok') for (const c of push.commands) c.reject('unpacker error', 'unpack');
}

type Unpacked =
  { ok: true; objects: number; bytes: number; pushed: PushedObjects } | { ok: false; status: string; bytes: number };

/**
 * Reads the pack into the quarantine. The 12-byte header is read here so
 * that its failures carry git's exact unpack status; everything after it is
 * streamed through the indexer.
 */
async function unpackIntoQuarantine(options: {
  bytes: ByteReader;
  quarantine: Quarantine;
  settings: ReceiveSettings;
  writer: ResponseWriter;
  quiet: boolean;
  /** The request body ends after the pack (HTTP); a two-way transport keeps its end open for the report. */
  inputEnds: boolean;
}): Promise<Unpacked> {
  const { bytes, quarantine, settings, writer } = options;
  const start = bytes.consumed;
  let header: Buffer;
  let objectCount: number;
  try {
    header = (await bytes.readExact(12, 'pack header').catch(() => null)) ?? Buffer.alloc(0);
    objectCount = parsePackHeader(header).objectCount;
  } catch (err) {
    if (!(err instanceof PackError)) throw err;
    return { ok: false, status: err.message, bytes: Math.min(header!.length, 12) };
  }
  // git picks unpack-objects below receive.unpackLimit; its failure status names the tool it ran.
  const unpackObjects = objectCount < settings.unpackLimit;
  const failedStatus = unpackObjects ? 'unpack-objects abnormal exit' : 'index-pack abnormal exit';

  async function* packBytes(): AsyncGenerator<Buffer> {
    yield header;
    yield* bytes.rest();
  }

  const progress = options.quiet ? undefined : new ResolvingProgress(writer);
  const checks = fsckOptions(settings, writer);
  const pushed = new PushedObjects(quarantine.objects.algo, checks && { options: checks, deferSpecialBlobs: unpackObjects });
  try {
    const result = await indexPack({
      input: packBytes(),
      packDir: quarantine.packDir,
      algo: quarantine.objects.algo,
      baseObjects: quarantine.objects,
      maxInputSize: settings.maxInputSize || undefined,
      maxObjectSize: settings.maxObjectSize || undefined,
      detectCollisions: settings.sha1CollisionDetection,
      onProgress: progress ? (p: { phase: string; done: number; total: number }) => progress.update(p) : undefined,
      onObject: pushed.visit,
      inputEnds: options.inputEnds,
    });
    progress?.done();
    await quarantine.objects.refresh();
    const fsck = await pushed.fsckErrors(quarantine.objects);
    for (const line of pushed.fsckWarnings()) writer.warning(line);
    if (fsck.errors.length > 0) {
      for (const line of fsck.errors) writer.error(line);
      writer.text(`fatal: ${fsck.fatal}\n`);
      return { ok: false, status: failedStatus, bytes: bytes.consumed - start };
    }
    return { ok: true, objects: result.objectCount, bytes: bytes.consumed - start, pushed };
  } catch (err) {
    // index-pack dies on each of these; a collision with git's own words ("SHA-1 appears to be part of a collision attack").
    if (
      err instanceof PackError ||
      err instanceof LimitError ||
      (err instanceof ObjectError && err.code === OBJECT_ERROR.sha1Collision)
    ) {
      writer.text(`fatal: ${err.message}\n`);
      return { ok: false, status: failedStatus, bytes: bytes.consumed - start };
    }
    throw err;
  }
}

/**
 * receive.fsckObjects runs git's --strict checks, with receive.fsck.<msg-id>
 * levels. Without it, pushgate.safeTrees still runs the checkout-safety
 * classes, where only their own receive.fsck.<msg-id> levels count (the
 * per-class way out); the other entries are git's business only when
 * fsckObjects is on, so they are not read.
 */
function fsckOptions(settings: ReceiveSettings, writer: ResponseWriter): FsckOptions | undefined {
  if (!settings.fsckObjects && !settings.safeTrees) return undefined;
  let entries = Object.entries(settings.fsckSeverities);
  if (!settings.fsckObjects) {
    entries = entries.filter(([name]) => {
      const id = lookupFsckMessageId(name);
      return id !== undefined && CHECKOUT_SAFETY_IDS.has(id);
    });
  }
  const { overrides, warnings } = fsckOverridesFromEntries(entries);
  for (const warning of warnings) writer.warning(warning);
  return { strict: settings.fsckObjects, overrides, safeTrees: settings.safeTrees, safeTreesOnly: !settings.fsckObjects };
}

/** "Resolving deltas: 42% (21/50)" on band 2, as index-pack --show-resolving-progress prints it. */
class ResolvingProgress {
  private lastPercent = -1;
  private total = 0;
  private lastTime = 0;

  constructor(private readonly writer: ResponseWriter) {}

  update(p: { phase: string; done: number; total: number }): void {
    if (p.phase !== 'resolving' || p.total === 0) return;
    this.total = p.total;
    const percent = Math.floor((p.done * 100) / p.total);
    const now = Date.now();
    if (percent === this.lastPercent || (now - this.lastTime < 250 && p.done < p.total)) return;
    this.lastPercent = percent;
    this.lastTime = now;
    this.writer.text(`Resolving deltas: ${String(percent).padStart(3)}% (${p.done}/${p.total})\r`);
  }

  done(): void {
    if (this.total > 0) this.writer.text(`Resolving deltas: 100% (${this.total}/${this.total}), done.\n`);
  }
}
