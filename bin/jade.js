#!/usr/bin/env node
// Runs the compiled CLI when present, otherwise the TypeScript source through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { register } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli.js');
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  register('tsx/esm', pathToFileURL(join(root, 'package.json')));
  await import(pathToFileURL(join(root, 'src', 'cli.ts')).href);
}
