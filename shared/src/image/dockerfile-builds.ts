import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import { runTool } from '../exec/index.js';
import type { Logger } from '../log/index.js';
import type { RegistryCredentials } from '../oci/auth.js';
import type { SecretMask } from '../secrets/index.js';
import { dockerArchiveToOciLayout } from './docker-archive.js';
import { writeDockerConfig } from './docker-config.js';
import { readOciLayout } from './oci-layout.js';

export const BUILDERS = ['auto', 'docker', 'buildah', 'layers'] as const;
export type BuilderChoice = (typeof BUILDERS)[number];
export type Builder = Exclude<BuilderChoice, 'auto'>;

/** A Dockerfile build, the same for docker buildx and buildah bud. */
export interface DockerfileBuild {
  context: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  platforms: string[];
  /** Timestamps in the image (SOURCE_DATE_EPOCH for buildkit, --timestamp for buildah). */
  epochSeconds?: number;
  /** Plain HTTP / no TLS verification for the registries in FROM (loopback registries). */
  insecureRegistries?: boolean;
}

function repeated(flag: string, values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([key, value]) => [flag, `${key}=${value}`]);
}

/** The flags docker buildx and buildah bud share: Dockerfile, platforms, build args, labels, annotations. */
function dockerfileArgs(build: DockerfileBuild): string[] {
  return [
    '--file',
    build.dockerfile,
    ...(build.platforms.length > 0 ? ['--platform', build.platforms.join(',')] : []),
    ...repeated('--build-arg', build.buildArgs),
    ...repeated('--label', build.labels),
    ...repeated('--annotation', build.annotations),
  ];
}

/**
 * `docker buildx build` writing an OCI layout directory rather than pushing: the push is ours, so tags go up
 * only after every blob and the manifest did, through the same retrying client as the other builders.
 */
export function dockerBuildArgs(build: DockerfileBuild, layoutDir: string): string[] {
  return [
    'buildx',
    'build',
    ...dockerfileArgs(build),
    '--provenance=false',
    '--output',
    `type=oci,dest=${layoutDir},tar=false`,
    build.context,
  ];
}

/**
 * `docker buildx build` into the daemon's image store under `localName`, for the docker driver on a daemon without
 * the containerd image store (Docker's default up to 28), which refuses `--output type=oci`. Annotations are left
 * to the layout written from `docker save` (dockerArchiveToOciLayout): the daemon's store has no manifest to hold
 * them.
 */
export function dockerLoadArgs(build: DockerfileBuild, localName: string): string[] {
  return [
    'buildx',
    'build',
    ...dockerfileArgs({ ...build, annotations: {} }),
    '--provenance=false',
    '--output',
    `type=docker,name=${localName}`,
    build.context,
  ];
}

/**
 * Whether the current buildx builder can write an OCI layout, from `docker buildx inspect`: any driver but
 * `docker` can, and the docker driver can when the daemon's builder reports a containerd snapshotter.
 */
export function builderWritesOciLayout(inspectOutput: string): boolean {
  const driver = /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1];
  return driver !== 'docker' || /org\.mobyproject\.buildkit\.worker\.snapshotter/.test(inspectOutput);
}

/** The environment for docker buildx: SOURCE_DATE_EPOCH makes buildkit's timestamps reproducible. */
export function dockerBuildEnv(build: DockerfileBuild): Record<string, string> {
  return build.epochSeconds === undefined ? {} : { SOURCE_DATE_EPOCH: String(build.epochSeconds) };
}

/** `buildah bud` with the same meaning: chroot isolation (no runc, no daemon), no layer cache. */
export function buildahBudArgs(build: DockerfileBuild, localName: string, authFile?: string): string[] {
  return [
    'bud',
    '--isolation',
    'chroot',
    '--layers=false',
    ...dockerfileArgs(build),
    ...(build.epochSeconds !== undefined ? ['--timestamp', String(build.epochSeconds)] : []),
    ...(build.insecureRegistries ? ['--tls-verify=false'] : []),
    ...(authFile ? ['--authfile', authFile] : []),
    '--tag',
    localName,
    build.context,
  ];
}

export interface BuilderAvailability {
  dockerDaemon: boolean;
  buildah: boolean;
}

/**
 * `auto`: a Dockerfile builds with docker when its daemon answers, else with buildah; without a Dockerfile, a
 * model directory goes onto the base image with `layers`.
 */
export function chooseBuilder(
  requested: BuilderChoice,
  options: { hasDockerfile: boolean; hasModelPath: boolean; available: BuilderAvailability },
): Builder {
  if (requested !== 'auto') return requested;
  if (!options.hasDockerfile) {
    if (options.hasModelPath) return 'layers';
    throw new ConfigurationError(
      "Input 'builder': auto found no Dockerfile to build and no 'model-path' for the layers builder; give 'dockerfile' or 'model-path' and 'base-image'.",
      { input: 'builder' },
    );
  }
  if (options.available.dockerDaemon) return 'docker';
  if (options.available.buildah) return 'buildah';
  throw new ConfigurationError(
    "Input 'builder': auto needs a Docker daemon or buildah to build the Dockerfile, and this machine has neither; install buildah, or use builder: layers with 'model-path' and 'base-image'.",
    { input: 'builder' },
  );
}

/** Whether a Docker daemon answers (not only whether the client is installed). */
export async function dockerDaemonAnswers(): Promise<boolean> {
  const answer = await runTool('docker', ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 }).catch(
    () => undefined,
  );
  return answer !== undefined && answer.stdout.trim() !== '';
}

export async function toolAnswers(tool: string): Promise<boolean> {
  return (await runTool(tool, ['--version'], { timeoutMs: 15_000 }).catch(() => undefined)) !== undefined;
}

export async function requireDockerfile(path: string, display: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new ConfigurationError(
      `Input 'dockerfile': '${display}' does not exist; name the Dockerfile relative to the repository root.`,
      { input: 'dockerfile' },
    );
  }
}

export interface DockerfileBuildRun {
  build: DockerfileBuild;
  builder: 'docker' | 'buildah';
  workDir: string;
  /** Credentials for the registries the Dockerfile pulls from (FROM), written to a private auth file. */
  registryAuth?: { registry: string; credentials: RegistryCredentials };
  env?: Record<string, string | undefined>;
  log: Logger;
  secrets: SecretMask;
}

/**
 * Builds a Dockerfile with docker or buildah into an OCI layout directory and returns its push plan. The auth
 * file (0600) or private docker config and the local image are removed afterwards, also on failure.
 */
export async function buildDockerfileToLayout(run: DockerfileBuildRun) {
  const dir = await mkdtemp(join(run.workDir, `${run.builder}-`));
  const layout = join(dir, 'layout');
  let authFile: string | undefined;
  let dockerConfig: string | undefined;
  if (run.registryAuth) {
    const { username, password } = run.registryAuth.credentials;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    run.secrets.add(auth);
    if (run.builder === 'docker') {
      dockerConfig = await writeDockerConfig(dir, run.registryAuth.registry, auth, { ...process.env, ...run.env });
    } else {
      authFile = join(dir, 'auth.json');
      await writeFile(authFile, JSON.stringify({ auths: { [run.registryAuth.registry]: { auth } } }), {
        mode: 0o600,
      });
    }
  }
  const env = { ...run.env, ...(dockerConfig ? { DOCKER_CONFIG: dockerConfig } : {}) };
  const options = { logger: run.log, secrets: run.secrets, env, cwd: run.build.context };
  const localName = `localhost/mlops-actions/build-${process.pid}-${Date.now()}:latest`;
  try {
    if (run.builder === 'docker') {
      const buildOptions = { ...options, env: { ...options.env, ...dockerBuildEnv(run.build) } };
      const inspected = await runTool('docker', ['buildx', 'inspect'], options);
      if (builderWritesOciLayout(inspected.stdout)) {
        await runTool('docker', dockerBuildArgs(run.build, layout), buildOptions);
      } else {
        if (run.build.platforms.length > 1) {
          throw new ConfigurationError(
            `Input 'platforms': the current docker buildx builder (the docker driver on Docker's classic image store) builds one platform, not ${run.build.platforms.join(', ')}; set up a docker-container builder first (docker/setup-buildx-action) or use builder: buildah.`,
            { input: 'platforms' },
          );
        }
        await loadSaveAndConvert(run, dir, layout, localName, buildOptions);
      }
    } else {
      await runTool('buildah', buildahBudArgs(run.build, localName, authFile), options);
      try {
        await runTool('buildah', ['push', '--format', 'oci', localName, `oci:${layout}:latest`], options);
      } finally {
        await runTool('buildah', ['rmi', '--force', localName], options).catch(() => undefined);
      }
    }
    return { layout, ...(await readOciLayout(layout)), cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    if (authFile) await rm(authFile, { force: true });
    if (dockerConfig) await rm(dockerConfig, { recursive: true, force: true });
  }
}

/** The docker driver's way to a layout: build into the daemon, `docker save` it, unpack and convert it. */
async function loadSaveAndConvert(
  run: DockerfileBuildRun,
  dir: string,
  layout: string,
  localName: string,
  options: Parameters<typeof runTool>[2],
): Promise<void> {
  const archive = join(dir, 'image.tar');
  const unpacked = join(dir, 'saved');
  await runTool('docker', dockerLoadArgs(run.build, localName), options);
  try {
    await runTool('docker', ['save', '--output', archive, localName], options);
  } finally {
    await runTool('docker', ['rmi', '--force', localName], options).catch(() => undefined);
  }
  await mkdir(unpacked);
  await runTool('tar', ['-xf', archive, '-C', unpacked], options);
  await dockerArchiveToOciLayout(unpacked, layout, run.build.annotations);
}
