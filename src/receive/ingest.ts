import { LimitError, PackError } from '../errors.js';
import { indexPack } from '../pack/index.js';
import type { ByteReader } from '../protocol/byte-reader.js';
import type { ResponseWriter } from '../protocol/response-writer.js';
import type { Quarantine } from '../repo/types.js';
import type { ReceiveSettings } from './settings.js';
import { PushedObjects } from './pushed-objects.js';
import { fsckOverridesFromEntries } from '../objects/fsck-messages.js';

export type IngestResult =
  | { ok: true; objects: number; bytes: number; packPath: string; pushed: PushedObjects }
  | { ok: false; status: string; bytes: number };

/**
 * Reads the pack that follows the commands into the quarantine. The 12-byte
 * header is read here so that its failures carry git's exact unpack status;
 * everything after it is streamed through the indexer.
 */
export async function ingestPack(options: {
  bytes: ByteReader;
  quarantine: Quarantine;
  settings: ReceiveSettings;
  writer: ResponseWriter;
  quiet: boolean;
}): Promise<IngestResult> {
  const { bytes, quarantine, settings, writer } = options;
  const start = bytes.consumed;
  let header: Buffer | null;
  try {
    header = await bytes.readExact(12, 'pack header');
  } catch {
    header = null;
  }
  if (!header || header.length < 12) return { ok: false, status: 'eof before pack header was fully read', bytes: 0 };
  if (header.toString('latin1', 0, 4) !== 'PACK') {
    return { ok: false, status: 'protocol error (pack signature mismatch detected)', bytes: 12 };
  }
  const version = header.readUInt32BE(4);
  if (version !== 2 && version !== 3) return { ok: false, status: 'protocol error (pack version unsupported)', bytes: 12 };
  const count = header.readUInt32BE(8);
  // git picks unpack-objects below receive.unpackLimit; its failure status names the tool it ran.
  const failedStatus = count < settings.unpackLimit ? 'unpack-objects abnormal exit' : 'index-pack abnormal exit';

  async function* packBytes(): AsyncGenerator<Buffer> {
    yield header as Buffer;
    yield* bytes.rest();
  }

  const progress = options.quiet ? undefined : new ResolvingProgress(writer);
  const pushed = new PushedObjects(quarantine.objects.algo, settings.fsckObjects ? fsckOptions(settings, writer) : undefined);
  try {
    const result = await indexPack({
      input: packBytes(),
      packDir: quarantine.packDir,
      algo: quarantine.objects.algo,
      baseObjects: quarantine.objects,
      maxInputSize: settings.maxInputSize || undefined,
      maxObjectSize: settings.maxObjectSize || undefined,
      onProgress: progress ? (p: { phase: string; done: number; total: number }) => progress.update(p) : undefined,
      onObject: pushed.visit,
    });
    progress?.done();
    await quarantine.objects.refresh();
    const fsckErrors = await pushed.fsckErrors(quarantine.objects);
    for (const line of pushed.fsckWarnings()) writer.warning(line);
    if (fsckErrors.length > 0) {
      for (const line of fsckErrors) writer.error(line);
      writer.text('fatal: fsck error in packed object\n');
      return { ok: false, status: failedStatus, bytes: bytes.consumed - start };
    }
    return { ok: true, objects: result.objectCount, bytes: bytes.consumed - start, packPath: result.packPath, pushed };
  } catch (err) {
    if (err instanceof PackError || err instanceof LimitError) {
      writer.text(`fatal: ${err.message}\n`);
      return { ok: false, status: failedStatus, bytes: bytes.consumed - start };
    }
    throw err;
  }
}

/** receive.fsckObjects runs git's --strict checks, with receive.fsck.<msg-id> levels. */
function fsckOptions(settings: ReceiveSettings, writer: ResponseWriter) {
  const { overrides, warnings } = fsckOverridesFromEntries(Object.entries(settings.fsckSeverities));
  for (const warning of warnings) writer.warning(warning);
  return { strict: true, overrides };
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
