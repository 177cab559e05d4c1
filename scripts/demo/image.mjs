// The demo's build-image, model-card and promote stages: `mlops build-image` puts the rain model
// (examples/demo/rain-model) into an image of its files alone (base scratch, builder layers) tagged sha-<commit>,
// `mlops model-card` writes the release's card of that image (no GitHub or MLflow here: it names what it could not
// find), then `mlops promote` points the release tag, production and a second repository's production at that
// exact digest.
//
// With Debian's docker-registry installed the images go to a registry started here (and stopped, also on
// failure); otherwise, or with MLOPS_DEMO_EMBEDDED=1, into OCI image layout directories, which needs Node only.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { runCliStage } from './cli.mjs';
import { findProgram, startRegistry } from './services.mjs';

const RELEASE = '1.0.0';

/** MLOPS_DEMO_EMBEDDED: 1 forces the layout directories, 0 or unset uses a registry when there is one. */
export function embeddedRequested(value = process.env.MLOPS_DEMO_EMBEDDED) {
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new Error(`MLOPS_DEMO_EMBEDDED must be 1 (no registry, OCI layouts) or 0, not '${value}'.`);
}

/** The commit the image is built from and promoted for: HEAD, or in a copy without git one named by the model. */
async function commitOf(root, modelPath) {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    const hash = createHash('sha1');
    for (const name of (await readdir(modelPath)).sort())
      hash.update(name).update(await readFile(join(modelPath, name)));
    return hash.digest('hex');
  }
}

/** Prints what a stage used and made under its CLI output, and keeps it for the demo's summary. */
function report(result, lines) {
  result.details = lines;
  console.log(`\n${lines.map((line) => `  ${line}`).join('\n')}`);
  return result;
}

/** Runs build-image, model-card and promote through the CLI; returns their results for the demo's summary. */
export async function runDemoImage(context, { embedded = embeddedRequested() } = {}) {
  const show = (path) => relative(context.root, path) || '.';
  const registryBinary = embedded ? undefined : findProgram('docker-registry');
  const modelPath = join(context.example, 'rain-model');
  const commit = await commitOf(context.root, modelPath);
  const candidate = `sha-${commit.slice(0, 7)}`;
  const directory = join(context.work, 'image');
  // The commit is what build-image derives labels and timestamps from and what promote records; no token, so
  // nothing is posted or recorded on GitHub.
  const env = { GITHUB_SHA: commit, GITHUB_TOKEN: '', GITHUB_ACTOR: userInfo().username };

  let registry;
  try {
    let image;
    let productionImage;
    let used;
    if (registryBinary) {
      registry = await startRegistry(registryBinary, join(directory, 'registry'));
      image = `${registry.host}/demo/rain-model`;
      productionImage = `${registry.host}/prod/rain-model`;
      used = `docker-registry at ${registry.url} (${registryBinary}, storage ${show(registry.storage)})`;
    } else {
      image = `oci:${show(join(directory, 'rain-model'))}`;
      productionImage = `oci:${show(join(directory, 'prod'))}`;
      const why = embedded ? 'MLOPS_DEMO_EMBEDDED=1' : 'no docker-registry installed';
      used = `OCI image layout directories under ${show(directory)} (${why})`;
    }

    console.log(
      `\n=== build-image: the rain model (${show(modelPath)}) as an image of its files alone, tagged ${candidate}`,
    );
    const build = runCliStage(
      context,
      'build-image',
      [
        ...['--image', image, '--tags', candidate, '--builder', 'layers', '--base-image', 'scratch'],
        ...['--model-path', modelPath, '--model-name', 'rain-model', '--model-version', RELEASE],
        ...['--cmd', '["node", "/opt/ml/model/serve.mjs"]'],
      ],
      env,
    );
    report(build, [
      `used:    ${used}`,
      `image:   ${image}:${candidate}`,
      `digest:  ${build.outputs.digest ?? '(none)'}`,
      `outputs: ${show(build.outDir)}`,
    ]);
    if (build.exitCode !== 0) return [build];

    console.log(`\n=== model-card: the release's card of ${image}:${candidate}`);
    const card = runCliStage(
      context,
      'model-card',
      [
        ...['--image', image, '--source', `${image}:${candidate}`],
        ...['--data', relative(context.root, join(context.example, 'data', 'weather.csv'))],
        ...['--config', relative(context.root, join(context.example, 'model-card.yml'))],
      ],
      { ...env, GITHUB_EVENT_NAME: 'push', GITHUB_REF: `refs/tags/v${RELEASE}` },
    );
    report(card, [
      `card:     ${card.outputs.markdown ? show(card.outputs.markdown) : '(none)'}`,
      `missing:  ${card.outputs['missing-evidence'] ? JSON.parse(card.outputs['missing-evidence']).join('; ') || 'nothing' : '(unknown)'}`,
      `outputs:  ${show(card.outDir)}`,
    ]);

    const targets = [`:${RELEASE}`, ':production', `${productionImage}:production`];
    console.log(`\n=== promote: ${image}:${candidate} by digest to ${targets.join(', ')}`);
    const promote = runCliStage(
      context,
      'promote',
      ['--image', image, '--source', `${image}:${candidate}`, '--targets', targets.join(',')],
      // As on the push of the release tag, which a workflow promotes on.
      { ...env, GITHUB_EVENT_NAME: 'push', GITHUB_REF: `refs/tags/v${RELEASE}` },
    );
    const promoted = promote.outputs.promoted ? JSON.parse(promote.outputs.promoted) : [];
    report(promote, [
      `used:     ${used}`,
      `digest:   ${promote.outputs.digest ?? '(none)'}`,
      `promoted: ${promoted.length > 0 ? promoted.join(', ') : '(nothing)'}`,
      'mlflow:   skipped (the demo promotes the image only: a model version and its alias need an MLflow server, slow to start; see test/services/mlflow.ts)',
      `outputs:  ${show(promote.outDir)}`,
    ]);
    return [build, card, promote];
  } finally {
    await registry?.stop();
  }
}
