#!/usr/bin/env node
// The embedded demo's set-weight command (deploy's `command` provider runs it at every step):
//   node scripts/demo/deploy-set-weight.mjs <splitter-url> <candidate-weight>
// Tells the demo's splitter the candidate's share and fails the step when the splitter does not take it.
const [splitter, weight] = process.argv.slice(2);
if (!splitter || !/^\d+$/.test(weight ?? '')) {
  console.error('usage: deploy-set-weight.mjs <splitter-url> <candidate-weight 0..100>');
  process.exitCode = 2;
} else {
  try {
    const response = await fetch(`${splitter}/weight`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ weight: Number(weight) }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? `splitter answered ${response.status}`);
    console.log(`splitter: candidate ${body.candidate}%, baseline ${body.baseline}%`);
  } catch (error) {
    console.error(`could not set the weight at ${splitter}: ${error.message}`);
    process.exitCode = 1;
  }
}
