import { connectionSecrets, defineAction, openDataEngine, validateDataset } from '@mlops-actions/core';
import { writeInferredSuite } from './infer.js';
import { getInputs } from './inputs.js';
import { validateOnEngine } from './remote.js';
import { publishValidation } from './report.js';
import { dataFiles, readSuiteFile, resolveReference } from './sources.js';

export const action = defineAction({
  name: 'validate-data',
  async main(host) {
    // Masked before any input is checked: a refusal of another input must not be the first line after it.
    for (const secret of connectionSecrets(host.inputs.optional('connection') ?? '')) host.setSecret(secret);
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.comment.token);
    const { github, log } = host;
    if (inputs.remote) return validateOnEngine(host, inputs, inputs.remote);
    const files = await dataFiles(host, inputs);
    const engine = await openDataEngine({
      log,
      toolCache: host.env.RUNNER_TOOL_CACHE ?? github.runnerTemp,
      ...(inputs.memoryLimit ? { memoryLimit: `${inputs.memoryLimit}B` } : {}),
    });
    try {
      if (inputs.infer) return await writeInferredSuite(host, inputs, engine, files);
      const suite = inputs.suite ? await readSuiteFile(host, inputs.suite) : undefined;
      const reference = await resolveReference(host, inputs.reference);
      const run = await log.group(`Check ${files.map((file) => file.display).join(', ')}`, () =>
        validateDataset(engine, files, suite, reference?.reference),
      );
      await publishValidation(host, inputs, files, run, reference?.name);
    } finally {
      engine.close();
    }
  },
});
