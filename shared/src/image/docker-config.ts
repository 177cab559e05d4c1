import { access, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

interface DockerConfigFile {
  auths?: Record<string, { auth?: string }>;
  credHelpers?: Record<string, string>;
  [field: string]: unknown;
}

/** The key docker's config.json files Docker Hub's login under; every other registry goes by its host. */
function configKey(registry: string): string {
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(registry)
    ? 'https://index.docker.io/v1/'
    : registry;
}

/**
 * A private DOCKER_CONFIG under `dir` for one docker build: the caller's config.json with `auth` (base64
 * user:password) as the login for `registry`, and the caller's cli-plugins/ linked in so `docker buildx` is still
 * found. The buildx session reads logins from here for the Dockerfile's FROM pulls, so the image registry's
 * credentials reach a FROM on that registry (as buildah's auth file does) and no other. A credsStore in the
 * caller's config still answers first, as docker has it.
 */
export async function writeDockerConfig(
  dir: string,
  registry: string,
  auth: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  const callerConfig = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  const config = join(dir, 'docker-config');
  await mkdir(config, { mode: 0o700 });
  const existing = await readFile(join(callerConfig, 'config.json'), 'utf8').then(
    (text) => JSON.parse(text) as DockerConfigFile,
    () => ({}) as DockerConfigFile,
  );
  const key = configKey(registry);
  const { [key]: _helperForRegistry, ...otherHelpers } = existing.credHelpers ?? {};
  const merged: DockerConfigFile = {
    ...existing,
    auths: { ...existing.auths, [key]: { auth } },
    ...(existing.credHelpers ? { credHelpers: otherHelpers } : {}),
  };
  await writeFile(join(config, 'config.json'), JSON.stringify(merged), { mode: 0o600 });
  const plugins = join(callerConfig, 'cli-plugins');
  if (
    await access(plugins).then(
      () => true,
      () => false,
    )
  )
    await symlink(plugins, join(config, 'cli-plugins'));
  return config;
}
