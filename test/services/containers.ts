import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeWorkDir, run, runAllowingFailure } from './process.js';
import { executable } from './require-service.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export type CommandResult = { code: number | null; stdout: string; stderr: string };

/**
 * buildah and skopeo confined to one temp dir: vfs storage (no overlay mounts needed), chroot isolation (no
 * runtime such as runc), their own registries.conf and storage.conf, and TLS verification off for the loopback
 * registries the rig starts. Both tools share the storage, so skopeo can read `containers-storage:` images that
 * buildah built.
 */
export interface ContainerTools {
  readonly dir: string;
  /** The environment both tools run with; pass it on to an action under test so it finds the same storage. */
  readonly env: NodeJS.ProcessEnv;
  /** buildah's storage flags, already included by `buildah()`, for callers that spawn it themselves. */
  readonly buildahFlags: readonly string[];
  buildah(args: readonly string[]): Promise<{ stdout: string; stderr: string }>;
  skopeo(args: readonly string[]): Promise<{ stdout: string; stderr: string }>;
  /** For tests that expect a refusal: the exit code and output instead of a throw. */
  buildahAllowingFailure(args: readonly string[]): Promise<CommandResult>;
  skopeoAllowingFailure(args: readonly string[]): Promise<CommandResult>;
  /** Writes a containers auth.json (the format of `skopeo login`) and returns its path. */
  writeAuthFile(credentials: Record<string, RegistryCredentials>): Promise<string>;
  /** `skopeo copy` with TLS verification off on both sides and an optional auth file. */
  copy(source: string, destination: string, authFile?: string): Promise<CommandResult>;
  /** Builds `tag` from a context directory with a Containerfile, chroot isolation, no layer cache. */
  build(contextDir: string, tag: string, containerfile?: string): Promise<void>;
  /** Pushes a locally built image to `docker://destination` without TLS verification. */
  push(image: string, destination: string, authFile?: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createContainerTools(): Promise<ContainerTools> {
  const dir = await makeWorkDir('containers');
  const storageRoot = join(dir, 'storage');
  const runRoot = join(dir, 'run');
  const temp = join(dir, 'tmp');
  await Promise.all([mkdir(storageRoot), mkdir(runRoot), mkdir(temp)]);
  const storageConf = join(dir, 'storage.conf');
  await writeFile(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${storageRoot}"\nrunroot = "${runRoot}"\n`);
  const registriesConf = join(dir, 'registries.conf');
  // No search registries: every reference in a test names its registry, and nothing may reach a public one.
  await writeFile(registriesConf, 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n');
  const defaultAuthFile = join(dir, 'auth.json');
  await writeFile(defaultAuthFile, '{"auths":{}}\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
    REGISTRY_AUTH_FILE: defaultAuthFile,
    BUILDAH_ISOLATION: 'chroot',
    TMPDIR: temp,
  };
  const buildahFlags = ['--root', storageRoot, '--runroot', runRoot, '--storage-driver', 'vfs'];
  const buildahPath = executable('buildah');
  const skopeoPath = executable('skopeo');
  const buildahAllowingFailure = (args: readonly string[]) =>
    runAllowingFailure(buildahPath, [...buildahFlags, ...args], { env });
  const skopeoAllowingFailure = (args: readonly string[]) => runAllowingFailure(skopeoPath, args, { env });
  let authFiles = 0;

  return {
    dir,
    env,
    buildahFlags,
    buildah: (args) => run(buildahPath, [...buildahFlags, ...args], { env }),
    skopeo: (args) => run(skopeoPath, args, { env }),
    buildahAllowingFailure,
    skopeoAllowingFailure,
    writeAuthFile: async (credentials) => {
      const auths = Object.fromEntries(
        Object.entries(credentials).map(([host, { username, password }]) => [
          host,
          { auth: Buffer.from(`${username}:${password}`).toString('base64') },
        ]),
      );
      authFiles += 1;
      const path = join(dir, `auth-${authFiles}.json`);
      await writeFile(path, `${JSON.stringify({ auths }, null, 2)}\n`, { mode: 0o600 });
      return path;
    },
    copy: (source, destination, authFile) =>
      skopeoAllowingFailure([
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        ...(authFile === undefined ? [] : ['--authfile', authFile]),
        source,
        destination,
      ]),
    build: async (contextDir, tag, containerfile = 'Containerfile') => {
      await run(
        buildahPath,
        [
          ...buildahFlags,
          'bud',
          '--isolation',
          'chroot',
          '--layers=false',
          '--tls-verify=false',
          '-f',
          join(contextDir, containerfile),
          '-t',
          tag,
          contextDir,
        ],
        { env },
      );
    },
    push: async (image, destination, authFile) => {
      await run(
        buildahPath,
        [
          ...buildahFlags,
          'push',
          '--tls-verify=false',
          ...(authFile === undefined ? [] : ['--authfile', authFile]),
          image,
          `docker://${destination}`,
        ],
        { env },
      );
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A root filesystem with the static busybox and a link for every applet at the path busybox names for it, so
 * a `RUN` step has /bin/sh and the usual tools. Nothing else: the image is about 2 MB.
 */
async function busyboxRootfs(target: string): Promise<void> {
  const busybox = executable('busybox');
  const applets = (await run(busybox, ['--list-full'])).stdout.split('\n').filter(Boolean);
  await mkdir(join(target, 'bin'), { recursive: true });
  await run('cp', [busybox, join(target, 'bin', 'busybox')]);
  await mkdir(join(target, 'tmp'));
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    const path = join(target, applet);
    await mkdir(dirname(path), { recursive: true });
    await symlink('/bin/busybox', path);
  }
}

/**
 * Builds the tiny busybox-static base image with buildah and pushes it to `destination` (`host/repo:tag`),
 * for builds that need a shell. Returns the image reference builds can use in `FROM`.
 */
export async function pushBusyboxBase(tools: ContainerTools, destination: string, authFile?: string): Promise<string> {
  const context = join(tools.dir, `busybox-context-${Date.now()}`);
  await busyboxRootfs(join(context, 'rootfs'));
  await writeFile(
    join(context, 'Containerfile'),
    'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["/bin/sh"]\n',
  );
  const localName = 'localhost/rig/busybox-base:latest';
  await tools.build(context, localName);
  await tools.push(localName, destination, authFile);
  await rm(context, { recursive: true, force: true });
  return destination;
}
