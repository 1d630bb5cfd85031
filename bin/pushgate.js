#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (npm run build).
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  process.stderr.write(`fatal: ${err && err.message ? err.message : err}\n`);
  process.exit(128);
});
