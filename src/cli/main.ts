#!/usr/bin/env node
// The `bailiff` command: see program.ts.

import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
