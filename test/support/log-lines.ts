/** One line of the service's log: a JSON object with at least these fields. */
export interface LogLine {
  level: string;
  time: string;
  msg: string;
  context?: string;
  [field: string]: unknown;
}

/**
 * The complete lines of `output` (a line still being written is left out), each parsed as
 * one log line. Throws, naming the line, on one that is not a JSON object with a string
 * `level`, `time` and `msg`: the log has no other kind of line.
 */
export function logLines(output: string): LogLine[] {
  const lines = output.split('\n');
  lines.pop();
  return lines.filter((line) => line !== '').map(parseLogLine);
}

export function parseLogLine(line: string): LogLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`not a JSON log line: ${line}`);
  }
  const fields = parsed as Partial<LogLine> | null;
  if (
    typeof fields !== 'object' ||
    fields === null ||
    typeof fields.level !== 'string' ||
    typeof fields.time !== 'string' ||
    typeof fields.msg !== 'string'
  )
    throw new Error(`not a log line with level, time and msg: ${line}`);
  return fields as LogLine;
}

/**
 * Whether `output` has the line the service logs once it listens. Lines that are not JSON
 * are passed over here (a test that checks the log's form does so itself).
 */
export function saysListening(output: string): boolean {
  return output.split('\n').some((line) => {
    try {
      const { msg } = JSON.parse(line) as { msg?: unknown };
      return typeof msg === 'string' && msg.startsWith('listening on http');
    } catch {
      return false;
    }
  });
}
