// The demo's rain model in one place: the pull request's weights are the ones examples/demo/rain-model/model.json
// ships in the image, main's are the model it replaces. demo.mjs scores days with both for test-model, and the
// deploy stage serves both.
import { readFileSync } from 'node:fs';

const shipped = JSON.parse(readFileSync(new URL('../../examples/demo/rain-model/model.json', import.meta.url), 'utf8'));

export const MAIN_WEIGHTS = { bias: -0.6, precipitation: 1.4, temp: -0.12, wind: 0.05 };
export const PULL_REQUEST_WEIGHTS = shipped.weights;

/** The two-feature logistic rain score for one day's readings (as model.json's serve.mjs computes it). */
export function rainProbability(weights, day) {
  const z =
    weights.bias +
    weights.precipitation * day.precipitation +
    weights.temp * (day.temp_max - shipped.tempCenter) +
    weights.wind * day.wind;
  return 1 / (1 + Math.exp(-z));
}
