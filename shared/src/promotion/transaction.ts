import { describeThrown } from '../errors/index.js';

export interface RollbackResult {
  /** What was put back, in the order it was undone (newest first). */
  undone: string[];
  /** What could not be put back, and why: the partial state a person has to look at. */
  failed: { step: string; error: string }[];
}

/**
 * A sequence of changes that is applied in full or not at all. Each step's undo is registered before the step
 * runs, so a change whose answer was lost (applied by the server, failed for us) is undone too; undos therefore
 * restore a recorded previous state and are safe to run whether or not the step took effect.
 */
interface RegisteredUndo {
  step: string;
  undo: () => Promise<string | undefined>;
  completed: boolean;
}

export class Transaction {
  readonly #undos: RegisteredUndo[] = [];
  /** Steps that completed, in order. */
  readonly applied: string[] = [];

  /** Runs `action`; `undo` returns what it did (or undefined when there was nothing to put back). */
  async step<T>(step: string, undo: () => Promise<string | undefined>, action: () => Promise<T>): Promise<T> {
    const registered: RegisteredUndo = { step, undo, completed: false };
    this.#undos.push(registered);
    const result = await action();
    registered.completed = true;
    this.applied.push(step);
    return result;
  }

  /** Undoes every registered step, newest first; one failed undo does not stop the others. */
  async rollback(): Promise<RollbackResult> {
    const result: RollbackResult = { undone: [], failed: [] };
    while (this.#undos.length > 0) {
      const { step, undo, completed } = this.#undos.pop() as RegisteredUndo;
      try {
        const done = await undo();
        if (done) result.undone.push(done);
      } catch (error) {
        // The step that failed may never have reached the server: say so rather than claim a change.
        const note = completed ? '' : ' (this step itself failed, so it may never have taken effect)';
        result.failed.push({ step, error: `${describeThrown(error)}${note}` });
      }
    }
    return result;
  }
}
