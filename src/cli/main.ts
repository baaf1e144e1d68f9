#!/usr/bin/env node
// The `bailiff` command: see program.ts. Whatever happens, the user sees one line per failure, not a stack trace.

import { setRuntimeFlags } from './node-flags.js';
import { failure, processIo, runCli } from './program.js';

setRuntimeFlags();

// A reader that stops early (`bailiff run x.json | head`) closes our stdout: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.exitCode = failure(e, processIo, process.env['BAILIFF_DEBUG'] === '1');
});
// A failure outside the command's own promise (an 'error' event nobody listened to) is a bug: one line, exit 3.
process.on('uncaughtException', (e) => {
  process.exit(failure(e, processIo, process.env['BAILIFF_DEBUG'] === '1'));
});

process.exitCode = await runCli(process.argv.slice(2));
