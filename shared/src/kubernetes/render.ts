// The candidate's pods in the job summary: status, restarts, last events, last log lines. Everything here came from
// the cluster (pod names, event messages, logs), so all of it is escaped or fenced.
import { code, details, escapeText, heading, table } from '../markdown/index.js';
import type { CandidateDiagnostics } from './workload.js';

/** A fenced block no backtick run inside `text` can close; terminal escapes and other controls removed. */
export function fencedText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  const clean = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  const longestRun = Math.max(2, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}text\n${clean}\n${fence}`;
}

export function renderCandidateDiagnostics(diagnostics: CandidateDiagnostics): string {
  const parts = [heading(4, `Candidate pods (${diagnostics.owner})`)];
  if (diagnostics.error) parts.push(escapeText(`The pods could not be listed: ${diagnostics.error}`));
  else if (diagnostics.pods.length === 0) parts.push(escapeText('No pods match the candidate’s selector.'));
  if (diagnostics.pods.length > 0) {
    parts.push(
      table(
        ['Pod', 'Phase', 'Ready', 'Container', 'Restarts', 'State'],
        diagnostics.pods.flatMap((pod) =>
          pod.containers.map((container) => [
            code(pod.name),
            pod.phase,
            container.ready ? 'yes' : 'no',
            code(container.name),
            container.restarts,
            container.state,
          ]),
        ),
        { align: [undefined, undefined, undefined, undefined, 'right'] },
      ),
    );
  }
  for (const pod of diagnostics.pods) {
    const sections: string[] = [];
    if (pod.events.length > 0) {
      sections.push(
        table(
          ['Type', 'Reason', 'Count', 'Message'],
          pod.events.map((event) => [event.type, event.reason, event.count, event.message]),
        ),
      );
    }
    for (const container of pod.containers) {
      sections.push(
        container.logAvailable
          ? `${escapeText(`Last log lines of ${container.name}:`)}\n\n${fencedText(container.log || '(empty)')}`
          : escapeText(`${container.name}: ${container.log}`),
      );
    }
    parts.push(details(`Pod ${pod.name}: events and logs`, sections.join('\n\n')));
  }
  return parts.join('\n\n');
}
