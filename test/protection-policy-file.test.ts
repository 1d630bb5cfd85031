/**
 * The branch-protection policy file (issue 4) through the CLI: export, apply,
 * dry run and the round trip in YAML and JSON, moves, refusals before any
 * change, and an empty list.
 */
import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listRules } from '../src/db/rule-store.js';
import { diffRules, describeChanges } from '../src/policy/policy-diff.js';
import { formatPolicy, parsePolicy } from '../src/policy/policy-file.js';
import { cliWorld } from './helpers/protection.js';

t.test('policy file: export, apply, dry run, round trip (YAML and JSON)', async (t) => {
  const w = await cliWorld(t, [
    { pattern: 'refs/heads/main', blockForcePush: true, blockDeletion: { allow: ['@leads'] }, description: 'the trunk' },
    { pattern: 'refs/tags/v*', immutable: true },
  ]);
  const yamlFile = path.join(w.scratch, 'policy.yaml');
  let r = await w.run(['policy', 'export', 'app', '--file', yamlFile]);
  t.equal(r.code, 0, r.stderr);
  const exported = await readFile(yamlFile, 'utf8');
  t.match(exported, 'repository: app.git');
  t.match(exported, 'blockForcePush: true');
  t.match(exported, /blockDeletion:\n\s+allow:\n\s+- "@leads"/);

  r = await w.run(['policy', 'apply', 'app.git', '--file', yamlFile]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, 'app.git: no changes', 'applying the export changes nothing');

  const edited = exported
    .replace('blockForcePush: true', 'blockForcePush:\n      allow: [alice]')
    .concat('  - pattern: refs/heads/release/**\n    maxBlobSize: 10m\n    forbiddenPaths: ["*.pem"]\n');
  await writeFile(yamlFile, edited);
  r = await w.run(['policy', 'apply', 'app', '--file', yamlFile, '--dry-run']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, '~ rule 1: refs/heads/main: blockForcePush: true -> {"allow":["alice"]}');
  t.match(r.stdout, '+ rule 3: refs/heads/release/** (forbidden paths, maximum blob size)');
  t.match(r.stdout, '2 changes (dry run: nothing applied)');
  t.equal((await w.withDb((d) => listRules(d, 'app'))).length, 2, 'the dry run changed nothing');

  r = await w.run(['policy', 'apply', 'app', '--file', yamlFile]);
  t.match(r.stdout, '2 changes applied');
  const stored = await w.withDb((d) => listRules(d, 'app'));
  t.same(stored[0]!.blockForcePush, { allow: ['alice'] });
  t.equal(stored[2]!.maxBlobSize, 10 * 1024 * 1024);

  // JSON: export, and applying it back changes nothing; the file forms parse back to the same rules.
  r = await w.run(['policy', 'export', 'app', '--format', 'json']);
  t.same(JSON.parse(r.stdout).rules[0], {
    pattern: 'refs/heads/main',
    description: 'the trunk',
    blockDeletion: { allow: ['@leads'] },
    blockForcePush: { allow: ['alice'] },
  });
  const again = await w.run(['policy', 'apply', 'app'], r.stdout);
  t.match(again.stdout, 'no changes');
  t.same(parsePolicy(formatPolicy({ rules: stored }, 'yaml')).rules, stored);
  t.same(parsePolicy(formatPolicy({ rules: stored }, 'json')).rules, stored);

  // Reordering is a move; mistakes are refused before anything changes; an empty list removes all.
  const reordered = [stored[1]!, stored[0]!, stored[2]!];
  t.same(describeChanges(diffRules(stored, reordered)), ['> rule 1 -> 2: refs/heads/main']);
  r = await w.run(['policy', 'apply', 'app'], 'rules:\n  - pattern: refs/heads/main\n    blockForcePus: true\n');
  t.equal(r.code, 128);
  t.match(r.stderr, "rule 1 has an unknown key 'blockForcePus'");
  r = await w.run(['policy', 'apply', 'app', '--dry-run'], 'rules:\n  - pattern: refs/heads/main\n    restrictPush: [mallory]\n');
  t.match(r.stderr, 'unknown user or group: mallory');
  r = await w.run(['policy', 'apply', 'app'], 'rules: []\n');
  t.match(r.stdout, '3 changes applied');
  t.same(await w.withDb((d) => listRules(d, 'app')), []);
});
