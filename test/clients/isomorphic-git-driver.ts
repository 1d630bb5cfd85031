/**
 * isomorphic-git (npm, with its Node HTTP client) for the client matrix: one
 * operation per run, given as JSON in argv[2]; prints JSON on stdout and
 * exits 0 when the operation succeeded, 1 when it threw. Run as a child
 * process (`node --import tsx`), so that the matrix's hard time limit can
 * kill a hung client.
 *
 * isomorphic-git speaks smart HTTP only and pushes one ref per push (no
 * refspecs, no atomic, no push options): a push of several refs is one
 * isomorphic-git push per ref, in order, in the same run.
 */
import fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';

interface PushRef {
  src: string | null;
  dst: string;
  force?: boolean;
}

type Operation =
  | { op: 'push'; url: string; work: string; refs: PushRef[] }
  | { op: 'clone'; url: string; dest: string }
  | { op: 'fetch'; url: string; dest: string };

interface RefResult {
  ok: boolean;
  error?: string;
}

interface Answer {
  ok: boolean;
  errors: string[];
  refs: Record<string, RefResult>;
  messages: string[];
}

async function run(spec: Operation): Promise<Answer> {
  const answer: Answer = { ok: true, errors: [], refs: {}, messages: [] };
  // The remote's side-band text, line by line, as C git shows it.
  const onMessage = (message: string) => {
    answer.messages.push(`remote: ${message}`);
  };
  const fail = (e: unknown) => {
    answer.ok = false;
    const err = e as { code?: string; message?: string };
    answer.errors.push(`${err.code ?? 'Error'}: ${err.message ?? String(e)}`);
  };
  if (spec.op === 'push') {
    for (const ref of spec.refs) {
      try {
        const result = await git.push({
          fs,
          http,
          dir: spec.work,
          url: spec.url,
          // A delete names no local ref; HEAD always resolves, and its id is not used.
          ref: ref.src ?? 'HEAD',
          remoteRef: ref.dst,
          force: ref.force ?? false,
          delete: ref.src === null,
          onMessage,
        });
        Object.assign(answer.refs, refResults(result.refs));
      } catch (e) {
        // A refusal by the server comes with the server's per-ref results; a refusal by the client without.
        const result = (e as { data?: { result?: { refs?: Record<string, RefResult> } } }).data?.result;
        if (result?.refs) Object.assign(answer.refs, refResults(result.refs));
        fail(e);
      }
    }
  } else {
    try {
      if (spec.op === 'clone') {
        await git.clone({ fs, http, dir: spec.dest, url: spec.url, noCheckout: true, onMessage });
      } else {
        await git.fetch({ fs, http, dir: spec.dest, remote: 'origin', tags: true, prune: true, onMessage });
      }
    } catch (e) {
      fail(e);
    }
  }
  return answer;
}

function refResults(refs: Record<string, { ok: boolean; error?: string | null }>): Record<string, RefResult> {
  return Object.fromEntries(
    Object.entries(refs).map(([name, r]) => [name, r.ok ? { ok: true } : { ok: false, error: r.error ?? '' }]),
  );
}

const answer = await run(JSON.parse(process.argv[2]!) as Operation);
// Exit once the answer is out: an idle keep-alive socket must not keep the run (and its time limit) going.
process.stdout.write(JSON.stringify(answer), () => process.exit(answer.ok ? 0 : 1));
