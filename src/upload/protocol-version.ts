/** The protocol version a client asked for in GIT_PROTOCOL / Git-Protocol: the highest `version=N` (0 when none). */
export function requestedProtocolVersion(gitProtocol: string | undefined): 0 | 1 | 2 {
  let version = 0;
  for (const item of (gitProtocol ?? '').split(':')) {
    const match = /^version=(\d+)$/.exec(item);
    if (match && Number(match[1]) <= 2) version = Math.max(version, Number(match[1]));
  }
  return version as 0 | 1 | 2;
}
