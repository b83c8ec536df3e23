// What a command may touch of its process: its streams and environment (injected, so commands are testable).
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export class UsageError extends Error {}
