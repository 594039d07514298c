/** The process's streams, passed in so commands run the same in tests as from a terminal. */
import { once } from 'node:events';

export interface OutStream {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });

/** Writes and waits for the stream to drain when it asks to, so large outputs stay bounded in memory. */
export async function emit(stream: OutStream, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream as unknown as NodeJS.EventEmitter, 'drain');
}
