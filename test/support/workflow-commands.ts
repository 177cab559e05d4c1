/**
 * Parsers for what an action leaves behind on the runner: the GITHUB_OUTPUT / GITHUB_STATE file format and the
 * `::command key=value::message` lines on stdout, with the runner's escaping undone.
 */

/** Reads `name<<DELIMITER … DELIMITER` blocks and legacy `name=value` lines, as the runner does. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      index += 1;
      while (index < lines.length && lines[index] !== delimiter) body.push(lines[index++] as string);
      if (index >= lines.length) throw new Error(`unterminated value for '${name}' (delimiter ${delimiter})`);
      values[name] = body.join('\n');
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`malformed file command line: ${JSON.stringify(line)}`);
    values[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return values;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

const unescapeData = (text: string) => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (text: string) => unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');

export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const equals = pair.indexOf('=');
      properties[pair.slice(0, equals)] = unescapeProperty(pair.slice(equals + 1));
    }
    commands.push({ command: match[1] as string, properties, message: unescapeData(match[3] ?? '') });
  }
  return commands;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  line?: number;
  column?: number;
}

export function annotationsOf(commands: readonly WorkflowCommand[]): Annotation[] {
  return commands
    .filter((command) => ['error', 'warning', 'notice'].includes(command.command))
    .map(({ command, properties, message }) => ({
      level: command as Annotation['level'],
      message,
      ...(properties.title !== undefined ? { title: properties.title } : {}),
      ...(properties.file !== undefined ? { file: properties.file } : {}),
      ...(properties.line !== undefined ? { line: Number(properties.line) } : {}),
      ...(properties.col !== undefined ? { column: Number(properties.col) } : {}),
    }));
}
