import { loadModel } from '../services/model-backend.js';

/** One row per feature at the model's training means: a valid request whatever the backend's behaviour. */
export function meanInstance(): number[] {
  return [...loadModel().mean];
}

/**
 * Sends POST /predict to `url` from `concurrency` loops until `until` resolves true or the bounds are reached,
 * and returns the statuses seen. Bounded in count and time so a broken service cannot keep it running.
 */
export async function sendPredictions(
  url: string,
  options: { maxRequests: number; maxMs: number; concurrency?: number; until?: () => boolean },
): Promise<number[]> {
  const body = JSON.stringify({ instances: [meanInstance()] });
  const statuses: number[] = [];
  const deadline = performance.now() + options.maxMs;
  let sent = 0;
  const loop = async () => {
    while (sent < options.maxRequests && performance.now() < deadline && !(options.until?.() ?? false)) {
      sent += 1;
      const response = await fetch(`${url}/predict`, { method: 'POST', body });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, loop));
  return statuses;
}
