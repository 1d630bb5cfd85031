/** The smart-HTTP endpoints of one repository URL. */
export type GitHttpEndpoint =
  { kind: 'info-refs'; repo: string } | { kind: 'rpc'; repo: string; service: 'git-receive-pack' | 'git-upload-pack' };

/** Split `/team/app.git/info/refs` or `/app.git/git-receive-pack` into repository and endpoint. */
export function parseGitHttpPath(urlPath: string): GitHttpEndpoint | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const infoRefs = /^\/(.+)\/info\/refs$/.exec(decoded);
  if (infoRefs) return { kind: 'info-refs', repo: infoRefs[1] };
  const rpc = /^\/(.+)\/(git-receive-pack|git-upload-pack)$/.exec(decoded);
  if (rpc) return { kind: 'rpc', repo: rpc[1], service: rpc[2] as 'git-receive-pack' | 'git-upload-pack' };
  return null;
}
