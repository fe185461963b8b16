#!/usr/bin/env node
// A dedicated Kafka broker that a test can stop and start: jest runs CommonJS and cannot import
// the ESM infra modules, so it spawns this and talks over stdio.
//   stdout: {"brokers":"127.0.0.1:<port>"} once ready, then one "ok <command>" or
//           "error <command> <message>" line per command
//   stdin:  "stop" (SIGTERM), "kill" (SIGKILL), "start" (same ports and data), "exit"
// Closing stdin (the test ended or died) destroys the broker and its data directory.
import { createInterface } from 'node:readline';
import { startKafka } from './kafka.mjs';

const log = (msg) => process.stderr.write(`[broker-process] ${msg}\n`);
const broker = await startKafka({ log });
process.stdout.write(`${JSON.stringify({ brokers: broker.brokers, pid: broker.pid })}\n`);

let exiting = false;
async function exit(code) {
  if (exiting) return;
  exiting = true;
  await broker.destroy().catch((err) => log(`destroy failed: ${err.message}`));
  process.exit(code);
}

const commands = {
  stop: () => broker.stop(),
  kill: () => broker.kill('SIGKILL'),
  start: () => broker.start(),
  exit: () => exit(0),
};

// One command at a time, in order.
let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = line.trim();
  if (!command) return;
  queue = queue.then(async () => {
    const run = commands[command];
    if (!run) {
      process.stdout.write(`error ${command} unknown command\n`);
      return;
    }
    try {
      await run();
      process.stdout.write(`ok ${command}\n`);
    } catch (err) {
      process.stdout.write(`error ${command} ${String(err.message).split('\n')[0]}\n`);
    }
  });
});
lines.on('close', () => void queue.then(() => exit(0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void exit(130));
