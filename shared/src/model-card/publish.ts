/** One place the card is written to, by a write that replaces what an earlier run wrote there. */
export interface CardDestination {
  /** As the reader finds it, e.g. "release v2.0.0: assets model-card.md and model-card.json". */
  name: string;
  write: () => Promise<void>;
}

/**
 * Writes the card to each destination in order and stops at the first failure, with an error naming what was
 * written and what was not. Everything is computed before the first write; each write replaces the earlier
 * run's, so rerunning the job converges. The order puts what others point at first: the signed record (what
 * promote trusts) before the release's copy, the assets before the notes, the run's artifact before the
 * version's description (which, when cut, points at the artifact).
 */
export async function publishCard(
  destinations: readonly CardDestination[],
  log: { info: (message: string) => void },
): Promise<void> {
  const written: string[] = [];
  for (const [index, destination] of destinations.entries()) {
    try {
      await destination.write();
    } catch (error) {
      const notWritten = destinations.slice(index + 1).map((later) => later.name);
      throw new Error(
        `The model card was not written to ${destination.name}: ${error instanceof Error ? error.message : String(error)}. ` +
          `Written: ${written.length > 0 ? written.join('; ') : 'nothing'}. ` +
          `Not written: ${[destination.name, ...notWritten].join('; ')}. ` +
          'Rerun the job: each write replaces what an earlier run wrote.',
      );
    }
    written.push(destination.name);
    log.info(`Model card written to ${destination.name}.`);
  }
}
