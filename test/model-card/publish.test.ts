import { describe, expect, test } from 'vitest';
import { type CardDestination, publishCard } from '../../shared/src/index.js';

/** Destinations that record their writes; the one named `failing` refuses. */
function destinations(names: string[], failing?: string) {
  const writes: string[] = [];
  const list: CardDestination[] = names.map((name) => ({
    name,
    write: async () => {
      if (name === failing) throw new Error('HTTP 422 refused');
      writes.push(name);
    },
  }));
  return { list, writes };
}

describe('publishCard: in order, stopping at the first failure with what was and was not written', () => {
  const names = ['the record', 'the assets', 'the notes', 'the description'];
  test.each([
    { failing: undefined, written: names, error: undefined },
    {
      failing: 'the record',
      written: [],
      error:
        'The model card was not written to the record: HTTP 422 refused. Written: nothing. Not written: the record; the assets; the notes; the description. Rerun the job: each write replaces what an earlier run wrote.',
    },
    {
      failing: 'the assets',
      written: ['the record'],
      error:
        'The model card was not written to the assets: HTTP 422 refused. Written: the record. Not written: the assets; the notes; the description. Rerun the job: each write replaces what an earlier run wrote.',
    },
    {
      failing: 'the description',
      written: ['the record', 'the assets', 'the notes'],
      error:
        'The model card was not written to the description: HTTP 422 refused. Written: the record; the assets; the notes. Not written: the description. Rerun the job: each write replaces what an earlier run wrote.',
    },
  ])('failing at $failing', async ({ failing, written, error }) => {
    const { list, writes } = destinations(names, failing);
    const logged: string[] = [];
    const done = publishCard(list, { info: (message) => logged.push(message) });
    if (error) await expect(done).rejects.toThrow(error);
    else await done;
    expect(writes).toEqual(written);
    expect(logged).toEqual(written.map((name) => `Model card written to ${name}.`));
  });
});
