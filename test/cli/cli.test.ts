import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type ActionRegistry, buildReport, defaultInputValue, parseFlags, runCli } from '../../shared/src/index.js';
import { repositoryRoot } from '../support/run-action.js';

// Action defaults are workflow expressions written literally, as in action.yml.
const githubToken = ['$', '{{ github.token }}'].join('');

const registry: ActionRegistry = {
  echo: {
    metadata: {
      name: 'echo',
      description: 'Echoes its inputs.',
      inputs: {
        message: { description: 'What to say.', required: true },
        loud: { description: 'Shout.', default: 'false' },
        'github-token': { default: githubToken },
        tags: {},
      },
      outputs: { said: { description: 'What was said.' } },
    },
    definition: {
      name: 'echo',
      async main(host) {
        const loud = host.inputs.boolean('loud', false);
        const message = host.inputs.required('message');
        host.setSecret(host.inputs.optional('github-token'));
        await host.log.group('Speak', async () => host.log.info(`token ${host.inputs.optional('github-token')}`));
        host.setOutput('said', loud ? message.toUpperCase() : message);
        host.setOutput('tags', host.inputs.list('tags'));
        const report = buildReport({ action: 'echo', headline: `said ${message}`, checks: [], run: {} });
        await host.publish({
          report,
          markdown: `### Echo\n\n<details>\n<summary>said</summary>\n\n${message} &#64;x\n\n</details>`,
        });
      },
    },
  },
};

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cwd = await mkdtemp(join(tmpdir(), 'cli-'));
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, registry, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    cwd,
  });
  return { code, stdout, stderr, cwd };
}

describe('parseFlags', () => {
  test.each([
    [['--a', '1', '--b=2'], { a: '1', b: '2' }],
    [['--flag'], { flag: 'true' }],
    [['--flag', '--x', 'y'], { flag: 'true', x: 'y' }],
    [['--tags', 'a', '--tags', 'b'], { tags: 'a\nb' }],
    [['--empty='], { empty: '' }],
  ])('%j → %j', (args, expected) => {
    expect(Object.fromEntries(parseFlags(args))).toEqual(expected);
  });

  // An option that takes a value takes the next argument whatever it starts with, unless it names a known option.
  const known = (name: string) => ['signing-key', 'image', 'out-dir', 'message', 'loud', 'tags'].includes(name);
  const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----\n';
  test.each([
    { args: ['--signing-key', pem, '--image', 'x'], expected: { 'signing-key': pem, image: 'x' } },
    { args: ['--out-dir', '-reports'], expected: { 'out-dir': '-reports' } },
    { args: ['--out-dir', '--reports'], expected: { 'out-dir': '--reports' } },
    { args: ['--message', '-1.5'], expected: { message: '-1.5' } },
    { args: ['--message', '-'], expected: { message: '-' } },
    { args: ['--loud', '--message', 'hi'], expected: { loud: 'true', message: 'hi' } },
    { args: ['--loud', '--tags=a'], expected: { loud: 'true', tags: 'a' } },
    { args: ['--message=--tags'], expected: { message: '--tags' } },
    { args: ['--tags', pem, '--tags', '--b'], expected: { tags: `${pem}\n--b` } },
  ])('with known options: $args.0 $args.1 …', ({ args, expected }) => {
    expect(Object.fromEntries(parseFlags(args, known))).toEqual(expected);
  });

  test('a positional argument is a usage error', () => {
    expect(() => parseFlags(['stray'])).toThrow("unexpected argument 'stray'");
  });
});

describe('defaultInputValue', () => {
  test('github.token comes from GITHUB_TOKEN, other expressions are empty', () => {
    expect(defaultInputValue(githubToken, { GITHUB_TOKEN: 't' })).toBe('t');
    expect(defaultInputValue(githubToken, {})).toBe('');
    expect(defaultInputValue(['$', '{{ github.event.number }}'].join(''), {})).toBe('');
    expect(defaultInputValue('5,25', {})).toBe('5,25');
    expect(defaultInputValue(undefined, {})).toBeUndefined();
  });
});

describe('runCli', () => {
  test('maps flags to inputs, applies defaults, prints the summary as text and writes the comment file', async () => {
    const { code, stdout, cwd } = await cli(['echo', '--message', 'hello', '--tags', 'a', '--tags', 'b'], {
      GITHUB_TOKEN: 'tok-123456',
    });
    expect(code).toBe(0);
    expect(stdout).toContain('▶ Speak');
    expect(stdout).toMatch(/✔ Speak \(\d+\.\ds\)/);
    expect(stdout).toContain('token ***');
    expect(stdout).not.toContain('tok-123456');
    expect(stdout).toContain('▸ said');
    expect(stdout).toContain('hello @x');
    expect(stdout).toContain('  said=hello\n');
    expect(stdout).toContain('  tags=["a","b"]\n');
    const commentFile = join(cwd, '.mlops', 'echo', 'comment.md');
    expect(stdout).toContain(`PR comment that would be posted: ${commentFile}`);
    expect(await readFile(commentFile, 'utf8')).toContain('<summary>said</summary>');
    const report = JSON.parse(await readFile(join(cwd, '.mlops', 'echo', 'mlops-reports', 'echo.json'), 'utf8'));
    expect(report.headline).toBe('said hello');
  });

  test('a value starting with dashes (a PEM key) is the value of its input, not an unknown option', async () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----';
    const { code, stdout, stderr } = await cli(['echo', '--message', pem, '--loud']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`  said=${pem}\n`);
  });

  test('a bad boolean fails with the input named and exit 1', async () => {
    const { code, stdout } = await cli(['echo', '--message', 'x', '--loud', 'yes']);
    expect(code).toBe(1);
    expect(stdout).toContain(`error: Input 'loud' must be true or false, got "yes".`);
  });

  test('usage errors exit 2 and say what is valid', async () => {
    expect((await cli([])).code).toBe(2);
    const unknownAction = await cli(['nope']);
    expect(unknownAction).toMatchObject({ code: 2, stderr: "mlops: unknown action 'nope'. Actions: echo.\n" });
    const unknownFlag = await cli(['echo', '--mesage', 'x']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toBe(
      'mlops echo: unknown option --mesage. Inputs: --message, --loud, --github-token, --tags.\n',
    );
  });

  test('help lists inputs with defaults and outputs', async () => {
    const { code, stdout } = await cli(['echo', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('  --message  (required)\n      What to say.');
    expect(stdout).toContain('  --loud  (default: false)');
    expect(stdout).toContain('  said: What was said.');
    const overall = await cli(['--help']);
    expect(overall.stdout).toContain('  echo  Echoes its inputs.');
  });
});

describe('the mlops command from the bundle', () => {
  test('lists the actions and runs validate-data', async () => {
    const bin = join(repositoryRoot, 'shared', 'bin', 'mlops.js');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('validate-data');
    const actionHelp = spawnSync(process.execPath, [bin, 'validate-data', '--help'], { encoding: 'utf8' });
    expect(actionHelp.stdout).toContain('--fail-on  (default: error)');

    const cwd = await mkdtemp(join(tmpdir(), 'mlops-bin-'));
    await writeFile(join(cwd, 'd.csv'), 'a\n1\n');
    await writeFile(join(cwd, 'suite.yml'), 'version: 1\ncolumns: {a: {type: integer}}\n');
    const run = spawnSync(process.execPath, [bin, 'validate-data', '--data', 'd.csv', '--suite', 'suite.yml'], {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('### ✅ Data validation');
    expect(run.stdout).toContain('  passed=true');
    expect(await readFile(join(cwd, '.mlops', 'validate-data', 'comment.md'), 'utf8')).toContain('Data validation');
  });
});

describe('the mlops command as people use it', () => {
  const bin = join(repositoryRoot, 'shared', 'bin', 'mlops.js');

  test('--version prints the package version and the Node it runs on', async () => {
    const { version } = JSON.parse(await readFile(join(repositoryRoot, 'shared', 'package.json'), 'utf8'));
    const run = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`mlops ${version} (Node ${process.version})\n`);
    expect(run.stderr).toBe('');
  });

  test('output into a pipe that the reader closed (| head) ends quietly, exit 0', async () => {
    const child = spawn(process.execPath, [bin, 'validate-data', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // `head -1` that has its line: the reading end is gone before the command writes, so its writes fail (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  test('outside the checkout, npx runs it from the repository path', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'mlops-npx-'));
    const run = spawnSync('npx', ['--yes', '--package', join(repositoryRoot, 'shared'), 'mlops', '--version'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, npm_config_cache: join(cwd, '.npm') },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^mlops \d+\.\d+\.\d+ \(Node v24\.\d+\.\d+\)\n$/);
  });

  test('on a Node older than 24 with no pinned Node 24 to run under: one line saying what to install, exit 1', async () => {
    // The command copied where no node_modules holds node-linux-<arch>, run by a Node that reports itself as 20.
    const directory = await mkdtemp(join(tmpdir(), 'mlops-old-node-'));
    await mkdir(join(directory, 'bin'));
    for (const name of ['mlops.js', 'node24.js'])
      await copyFile(join(repositoryRoot, 'shared', 'bin', name), join(directory, 'bin', name));
    const pretend20 =
      "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });" +
      "Object.defineProperty(process, 'version', { value: 'v20.20.2' });";
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(pretend20)}`,
        join(directory, 'bin', 'mlops.js'),
        '--version',
      ],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `mlops-actions needs Node 24: this is Node v20.20.2 and the pinned node-linux-${process.arch} package is not ` +
        'installed (run npm ci in the repository). Install Node 24 (nvm install reads .nvmrc; or nodejs.org), then ' +
        'run npm ci again.\n',
    );
  });
});
