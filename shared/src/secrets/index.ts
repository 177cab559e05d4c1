/**
 * Values that must never be shown: tokens, passwords. The runner masks its own log once told (`::add-mask::`),
 * but not files we write (outputs, summary, reports, comments), so every channel also goes through `redact`.
 */
export class SecretMask {
  readonly #values = new Set<string>();

  add(value: string | undefined): void {
    if (!value) return;
    for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) {
      if (form.length > 0) this.#values.add(form);
    }
  }

  get size(): number {
    return this.#values.size;
  }

  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const value of [...this.#values].sort((a, b) => b.length - a.length)) {
      result = result.split(value).join('***');
    }
    return result;
  }
}
