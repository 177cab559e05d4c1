import { defineAction, testModel } from '@mlops-actions/core';
import { getInputs } from './inputs.js';

/** Metric gates, regression against the base branch, slices and significance: the work is in shared/evaluation. */
export const action = defineAction({
  name: 'test-model',
  async main(host) {
    const inputs = getInputs(host.inputs);
    host.setSecret(inputs.comment.token);
    await testModel(host, inputs);
  },
});
