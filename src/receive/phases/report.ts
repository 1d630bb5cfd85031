import { encodeReportStatus } from '../../protocol/report-status.js';
import type { Push } from '../push.js';

/** Phase 8. git's report: `unpack <status>`, then `ok <ref>` or `ng <ref> <reason>` per command, when the client asked for one. */
export function report(push: Push): void {
  const caps = push.request!.capabilities;
  if (!caps.has('report-status') && !caps.has('report-status-v2')) return;
  push.out.data(
    encodeReportStatus(
      push.unpackStatus,
      push.commands.map((c) => ({ refName: c.refName, error: c.ok ? undefined : (c.reason ?? 'failed') })),
    ),
  );
}
