// Seed corpus for the mutation half of the fuzzer: packs made by the real
// git from a small repository (whole objects, OFS and REF deltas, a thin
// pack), and requests in the form git 2.39 sends them. Without git, only the
// requests (the generated packs still run).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FLUSH, DELIM, pkt } from './inputs.mjs';

function git(cwd, args, input) {
  return execFileSync('git', args, {
    cwd,
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
    env: {
      ...process.env,
      GIT_AUTHOR_DATE: '1700000000 +0000',
      GIT_COMMITTER_DATE: '1700000000 +0000',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: cwd,
    },
  });
}

function makePacks(dir) {
  const repo = path.join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'Fuzz']);
  git(repo, ['config', 'user.email', 'fuzz@example.com']);
  const text = Array.from({ length: 200 }, (_, i) => `line ${i} of a file that changes a little each time\n`);
  for (let round = 0; round < 4; round++) {
    text[round * 7] = `changed in round ${round}\n`;
    writeFileSync(path.join(repo, 'file.txt'), text.join(''));
    writeFileSync(path.join(repo, `new-${round}.txt`), `round ${round}\n`);
    mkdirSync(path.join(repo, 'dir'), { recursive: true });
    writeFileSync(path.join(repo, 'dir', 'nested.txt'), text.slice(round).join(''));
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', `round ${round}`]);
  }
  git(repo, ['tag', '-a', '-m', 'a tag', 'v1']);
  const all = git(repo, ['rev-list', '--objects', '--all']);
  const packs = {
    'ofs.pack': git(repo, ['pack-objects', '--stdout', '--delta-base-offset', '-q'], all),
    'ref.pack': git(repo, ['pack-objects', '--stdout', '-q'], all),
    'thin.pack': git(repo, ['pack-objects', '--stdout', '--thin', '--revs', '-q'], 'main\n^main~1\n'),
    'small.pack': git(repo, ['pack-objects', '--stdout', '--revs', '-q'], 'main~2\n^main~3\n'),
  };
  return packs;
}

const A = '1'.repeat(40);
const B = '2'.repeat(40);
const Z = '0'.repeat(40);
const AGENT = 'agent=git/2.39.5';

function requests() {
  return {
    'push.req': Buffer.concat([
      pkt(`${A} ${B} refs/heads/main\0 report-status-v2 side-band-64k quiet object-format=sha1 ${AGENT}`),
      pkt(`${Z} ${B} refs/heads/topic`),
      pkt(`${A} ${Z} refs/tags/old`),
      FLUSH,
    ]),
    'push-options.req': Buffer.concat([
      pkt(`${A} ${B} refs/heads/main\0 report-status side-band-64k atomic push-options object-format=sha1 ${AGENT}`),
      FLUSH,
      pkt('ci.skip'),
      pkt('merge_request.create'),
      FLUSH,
    ]),
    'push-shallow.req': Buffer.concat([pkt(`shallow ${A}`), pkt(`${Z} ${B} refs/heads/new\0 report-status ofs-delta`), FLUSH]),
    'fetch-v0.req': Buffer.concat([
      pkt(`want ${A} multi_ack_detailed no-done side-band-64k thin-pack ofs-delta deepen-since deepen-not ${AGENT}\n`),
      pkt(`want ${B}\n`),
      pkt(`shallow ${B}\n`),
      pkt('deepen 1\n'),
      FLUSH,
      pkt(`have ${B}\n`),
      pkt(`have ${A}\n`),
      FLUSH,
      pkt('done\n'),
    ]),
    'fetch-v2.req': Buffer.concat([
      pkt('command=fetch\n'),
      pkt(`${AGENT}\n`),
      pkt('object-format=sha1\n'),
      DELIM,
      pkt('thin-pack\n'),
      pkt('ofs-delta\n'),
      pkt(`want ${A}\n`),
      pkt(`have ${B}\n`),
      pkt('deepen-since 1700000000\n'),
      pkt('done\n'),
      FLUSH,
    ]),
    'ls-refs-v2.req': Buffer.concat([
      pkt('command=ls-refs\n'),
      pkt(`${AGENT}\n`),
      DELIM,
      pkt('peel\n'),
      pkt('symrefs\n'),
      pkt('unborn\n'),
      pkt('ref-prefix HEAD\n'),
      pkt('ref-prefix refs/heads/\n'),
      FLUSH,
      FLUSH,
    ]),
  };
}

/** Writes the corpus into `dir`; returns the paths of its packs and requests. */
export function writeSeeds(dir) {
  mkdirSync(dir, { recursive: true });
  let packs = {};
  try {
    packs = makePacks(dir);
  } catch {
    // no git here: generated packs only
  }
  const out = { packs: [], requests: [] };
  for (const [name, bytes] of Object.entries(packs)) {
    writeFileSync(path.join(dir, name), bytes);
    out.packs.push(path.join(dir, name));
  }
  for (const [name, bytes] of Object.entries(requests())) {
    writeFileSync(path.join(dir, name), bytes);
    out.requests.push(path.join(dir, name));
  }
  return out;
}
