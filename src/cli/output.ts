// Where the CLI writes. With --json, stdout carries exactly one JSON document (the command's
// result) and everything for people (progress, live lines) goes to stderr, so `builder … | jq` works.

/** A writable text stream and whether it is a terminal. */
export interface TextSink {
  write(text: string): void;
  isTTY: boolean;
}

/** The CLI's two channels. */
export interface Output {
  json: boolean;
  /** The command's result (stdout). */
  result: TextSink;
  /** Progress and live lines: stdout for people, stderr under --json. */
  progress: TextSink;
  /** Prints the result: JSON under --json, else `text()` for people. */
  print(value: unknown, text: () => string): void;
}

/** The process's output, in JSON mode or not. */
export function processOutput(json: boolean): Output {
  const stdout: TextSink = { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true };
  const stderr: TextSink = { write: (text) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true };
  return {
    json,
    result: stdout,
    progress: json ? stderr : stdout,
    print(value, text) {
      stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
    },
  };
}
