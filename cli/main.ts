#!/usr/bin/env node
import { runProcess } from './program.js';
process.exitCode = await runProcess(process.argv.slice(2));
