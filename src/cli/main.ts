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

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// A command that failed has nothing left to do once its error line is out. A library's wait it leaves behind must not
// keep the process alive after that line (seen: the nats client's, after a start gave up on a stream between two
// leaders), so exit once what was written to stdout and stderr has gone out (empty writes' callbacks come after it).
if (code !== 0) process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
