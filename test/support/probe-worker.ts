// A worker that only answers: proves a worker thread started (test/kafka/publisher-thread.unit.test.ts).
import { parentPort } from 'node:worker_threads';

parentPort!.postMessage('probe ok');
