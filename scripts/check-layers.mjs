#!/usr/bin/env node
// The import rules of DESIGN.md, checked on the import statements of src/:
// every import points to the same layer or one below it, and no two files
// (nor two folders) import each other, directly or round a longer loop.
// `node scripts/check-layers.mjs` prints each breach and exits 1 if any.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Top to bottom. A module may import its own layer and any layer below. */
export const LAYERS = [
  'index.ts', // the package entry point: re-exports the public surface
  'cli',
  'testing',
  'server',
  'admin',
  'transport',
  'auth',
  'receive',
  'upload',
  'service',
  'maintenance',
  'policy',
  'protocol',
  'repo',
  'pack',
  'objects',
  'db',
  'ground', // src/*.ts: session types, errors, logger, version
];

/**
 * Layers that must not see some lower ones at all: the wire formats know no
 * storage, and the services and rules run without a database (they get
 * interfaces: access, a PolicySource, an AuditSink, hooks).
 */
export const FORBIDDEN = {
  protocol: ['repo', 'pack', 'db'],
  policy: ['db'],
  receive: ['db'],
  upload: ['db'],
  service: ['db'],
};

/** The layer of a file, from its path relative to src/. */
export function layerOf(rel) {
  const parts = rel.split('/');
  if (parts.length === 1) {
    if (rel === 'index.ts') return 'index.ts';
    if (rel === 'server.ts') return 'server';
    return 'ground';
  }
  return parts[0];
}

/** The folder a file belongs to, for folder cycles: `receive/hooks`, `transport/http`, `ground`. */
export function folderOf(rel) {
  const dir = path.posix.dirname(rel);
  return dir === '.' ? layerOf(rel) : dir;
}

function isWithin(inner, outer) {
  return inner.startsWith(`${outer}/`);
}

const IMPORT =
  /(?:import|export)\s[^'";]*?\sfrom\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

/** Relative imports of one source text, resolved to paths relative to src/. */
export function importsOf(rel, text) {
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, '.ts');
    out.push(target);
  }
  return out;
}

/** Every breach of the rules in a graph { file: [imported files] }. */
export function checkGraph(graph) {
  const problems = [];
  const rank = (file) => LAYERS.indexOf(layerOf(file));
  for (const [file, targets] of Object.entries(graph)) {
    for (const target of targets) {
      if (rank(file) < 0) problems.push(`${file}: not in any layer of DESIGN.md`);
      else if (rank(target) < rank(file))
        problems.push(`upward import: ${file} (${layerOf(file)}) -> ${target} (${layerOf(target)})`);
      else if (FORBIDDEN[layerOf(file)]?.includes(layerOf(target))) {
        problems.push(`forbidden import: ${file} (${layerOf(file)} may not see ${layerOf(target)}) -> ${target}`);
      }
    }
  }
  // A folder with an index.ts is entered through it: that file is its public surface.
  const fronts = new Set(
    Object.keys(graph)
      .filter((f) => f.endsWith('/index.ts'))
      .map((f) => path.posix.dirname(f)),
  );
  for (const [file, targets] of Object.entries(graph)) {
    for (const target of targets) {
      for (const front of fronts) {
        if (isWithin(target, front) && !isWithin(file, front) && target !== `${front}/index.ts`) {
          problems.push(`bypassed front door: ${file} -> ${target} (import it from ${front}/index.ts)`);
        }
      }
    }
  }
  for (const cycle of cyclesOf(graph)) problems.push(`file cycle: ${cycle.join(' -> ')}`);
  const folders = {};
  for (const [file, targets] of Object.entries(graph)) {
    const from = folderOf(file);
    folders[from] ??= new Set();
    for (const target of targets) {
      const to = folderOf(target);
      // A subfolder is a room inside its parent's: imports between the two are the folder's own business.
      if (to !== from && !isWithin(from, to) && !isWithin(to, from)) folders[from].add(to);
    }
  }
  const folderGraph = Object.fromEntries(Object.entries(folders).map(([k, v]) => [k, [...v]]));
  for (const cycle of cyclesOf(folderGraph)) problems.push(`folder cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** One cycle per strongly connected component of more than one node (Tarjan). */
export function cyclesOf(graph) {
  let index = 0;
  const stack = [];
  const onStack = new Set();
  const idx = new Map();
  const low = new Map();
  const cycles = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph[v] ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph[v] ?? []).includes(v)) cycles.push(pathWithin(graph, new Set(component), v));
    }
  };
  for (const v of Object.keys(graph).sort()) if (!idx.has(v)) visit(v);
  return cycles;
}

/** A concrete loop v -> … -> v inside one component, for the message. */
function pathWithin(graph, component, start) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph[v] ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const loop = [start];
        for (let at = v; at !== start; at = prev.get(at)) loop.splice(1, 0, at);
        return [...loop, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** The import graph of a source folder. */
export function graphOf(srcDir) {
  const graph = {};
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const rel = path.relative(srcDir, full).split(path.sep).join('/');
        graph[rel] = importsOf(rel, fs.readFileSync(full, 'utf8'));
      }
    }
  };
  walk(srcDir);
  return graph;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = checkGraph(graphOf(src));
  for (const p of problems) console.log(p);
  console.log(problems.length === 0 ? 'layers: every import points downward, no cycles' : `layers: ${problems.length} problems`);
  process.exit(problems.length === 0 ? 0 : 1);
}
