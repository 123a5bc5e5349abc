#!/usr/bin/env node
// The `usage-cert` command: runs the TypeScript CLI through tsx (installed with the project), no build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
