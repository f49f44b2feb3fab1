#!/usr/bin/env node
// Runs the compiled CLI when the build is up to date (after `npm run build`: plain node, no TypeScript
// compiler at start), otherwise the TypeScript sources through tsx. See choose-entry.js for "up to date".
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { chooseEntryAt } from './choose-entry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const choice = chooseEntryAt(root);
if (choice.entry === 'dist') {
  await import(pathToFileURL(join(root, 'dist', 'src', 'cli.js')).href);
} else {
  // A build that exists but is out of date is a surprise worth one line; no build at all is plain development.
  if (choice.stale !== undefined) process.stderr.write(`jade: dist/ is out of date (${choice.reason}); running the sources through tsx, npm run build to refresh it\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli.ts')).href);
}
