import { describe, expect, test } from 'vitest';
import { formatCommandLine, MemoryLogger, runTool, SecretMask, ToolError } from '../../shared/src/index.js';

const node = process.execPath;

describe('runTool', () => {
  test('runs with an argument array, never a shell', async () => {
    const result = await runTool(node, [
      '-e',
      'process.stdout.write(process.argv.slice(1).join("|"))',
      '$(echo hi)',
      'a b',
    ]);
    expect(result.stdout).toBe('$(echo hi)|a b');
    expect(result.exitCode).toBe(0);
  });

  test('echoes the command line with secrets masked', async () => {
    const secrets = new SecretMask();
    secrets.add('s3cr3t-token');
    const logger = new MemoryLogger();
    await runTool(node, ['-e', '0', '--', '--password', 's3cr3t-token'], { secrets, logger });
    expect(logger.messages('info')).toEqual([`[command]${node} -e 0 -- --password ***`]);
  });

  test("a failure carries the tool's last stderr line, masked", async () => {
    const secrets = new SecretMask();
    secrets.add('hunter2');
    const script = 'console.error("starting"); console.error("login failed for hunter2"); process.exit(3)';
    const failure = runTool(node, ['-e', script], { secrets });
    await expect(failure).rejects.toBeInstanceOf(ToolError);
    await expect(failure).rejects.toMatchObject({
      message: `'${node}' exited with 3: login failed for ***`,
      exitCode: 3,
    });
  });

  test('accepted exit codes are not failures', async () => {
    const result = await runTool(node, ['-e', 'process.exit(1)'], { okExitCodes: [0, 1] });
    expect(result.exitCode).toBe(1);
  });

  test('a missing tool says so', async () => {
    await expect(runTool('no-such-tool-mlops', [])).rejects.toThrow("'no-such-tool-mlops' was not found on PATH.");
  });

  test('a timeout kills the tool and says how long it waited', async () => {
    await expect(runTool(node, ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 })).rejects.toThrow(
      /did not finish within 200ms/,
    );
  });

  test('stdin input and extra environment reach the tool', async () => {
    const result = await runTool(
      node,
      ['-e', 'process.stdin.pipe(process.stdout); process.stdout.write(process.env.X)'],
      {
        input: 'in-',
        env: { X: 'env' },
      },
    );
    expect(result.stdout).toMatch(/^(in-env|envin-)$/);
  });
});

describe('formatCommandLine', () => {
  test('quotes arguments for display only', () => {
    expect(formatCommandLine('buildah', ['bud', '-t', 'a b', "it's"])).toBe(`buildah bud -t 'a b' 'it'\\''s'`);
  });
});

describe('SecretMask', () => {
  test('masks the value and its JSON- and URL-encoded forms, longest first', () => {
    const mask = new SecretMask();
    mask.add('pa"ss/word');
    mask.add('pa');
    mask.add('');
    mask.add(undefined);
    expect(mask.redact('x pa"ss/word y')).toBe('x *** y');
    expect(mask.redact(JSON.stringify({ p: 'pa"ss/word' }))).toBe('{"p":"***"}');
    expect(mask.redact('u=pa%22ss%2Fword')).toBe('u=***');
    expect(mask.redact('pa')).toBe('***');
  });
});
