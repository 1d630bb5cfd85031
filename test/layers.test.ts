import t from 'tap';
import path from 'node:path';
import { PROJECT_ROOT } from './helpers/git.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkGraph, graphOf, importsOf } from '../scripts/check-layers.mjs';

const check = checkGraph as (graph: Record<string, string[]>) => string[];

t.test('src/: every import points downward, no file or folder cycle, front doors used', async (t) => {
  const graph = graphOf(path.join(PROJECT_ROOT, 'src')) as Record<string, string[]>;
  t.ok(Object.keys(graph).length > 100, 'the whole tree was read');
  t.same(check(graph), [], 'no breach of the layer rules');
});

t.test('the checker finds each kind of breach', async (t) => {
  t.match(check({ 'repo/a.ts': ['receive/b.ts'], 'receive/b.ts': [] }), [/upward import: repo\/a.ts \(repo\) -> receive\/b.ts/]);
  t.match(check({ 'policy/a.ts': ['db/b.ts'], 'db/b.ts': [] }), [/forbidden import: policy\/a.ts/]);
  t.match(check({ 'repo/a.ts': ['repo/b.ts'], 'repo/b.ts': ['repo/a.ts'] }), [
    /file cycle: repo\/a.ts -> repo\/b.ts -> repo\/a.ts/,
  ]);
  t.match(
    check({
      'transport/http/a.ts': ['transport/ssh/b.ts'],
      'transport/ssh/b.ts': ['transport/ssh/c.ts'],
      'transport/ssh/c.ts': ['transport/http/d.ts'],
      'transport/http/d.ts': [],
    }),
    [/folder cycle: transport\/http -> transport\/ssh -> transport\/http/],
  );
  t.match(check({ 'upload/a.ts': ['pack/b.ts'], 'pack/index.ts': ['pack/b.ts'], 'pack/b.ts': [] }), [
    /bypassed front door: upload\/a.ts -> pack\/b.ts/,
  ]);
  t.same(
    check({ 'receive/hooks/a.ts': ['receive/b.ts'], 'receive/b.ts': ['receive/hooks/c.ts'], 'receive/hooks/c.ts': [] }),
    [],
    'a subfolder and its parent are one room',
  );
  t.same(check({ 'server.ts': ['receive/a.ts'], 'receive/a.ts': ['errors.ts'], 'errors.ts': [] }), [], 'downward imports pass');
});

t.test('imports are read from every form: static, re-export, dynamic, type-only', async (t) => {
  const text = [
    "import { a } from './a.js';",
    "import type { B } from '../objects/b.js';",
    "export { c } from './sub/c.js';",
    "const d = await import('../repo/d.js');",
    "import pino from 'pino';",
  ].join('\n');
  t.same(importsOf('receive/x.ts', text), ['receive/a.ts', 'objects/b.ts', 'receive/sub/c.ts', 'repo/d.ts']);
});

t.test('error codes: each layer lists its codes in one file, and every code has one home', async (t) => {
  const { readFileSync } = await import('node:fs');
  const graph = graphOf(path.join(PROJECT_ROOT, 'src')) as Record<string, string[]>;
  const isCodeList = (file: string) => /(^|\/)([a-z]+-)?errors\.ts$/.test(file);
  const homes = new Map<string, string[]>();
  const strays: string[] = [];
  for (const file of Object.keys(graph)) {
    const text = readFileSync(path.join(PROJECT_ROOT, 'src', file), 'utf8');
    for (const [, code] of text.matchAll(/'(E_[A-Z_]+)'/g)) {
      if (isCodeList(file)) homes.set(code!, [...(homes.get(code!) ?? []), file]);
      else strays.push(`${file}: ${code}`);
    }
  }
  t.ok(homes.size > 30, 'the code lists were found');
  t.same(strays, [], 'no code is spelled out outside its list');
  t.same(
    [...homes].filter(([, files]) => files.length > 1),
    [],
    'no code is listed twice',
  );
});
