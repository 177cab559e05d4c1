/** Why a registry call failed, so callers can tell the user's mistake (credentials, a name) from an outage. */
export type RegistryErrorKind =
  /** The registry could not be reached at all (refused, DNS, TLS, timeout after every retry). */
  | 'unreachable'
  /** Credentials missing or wrong (401 from the registry or its token server). */
  | 'unauthorized'
  /** Credentials accepted but the action is not allowed (403, or a token without the requested scope). */
  | 'denied'
  | 'not-found'
  /** Retries exhausted on 429/5xx. */
  | 'unavailable'
  /** The registry answered something that breaks the protocol (a digest mismatch, a missing header). */
  | 'protocol';

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly status: number | undefined;
  readonly registry: string;

  constructor(kind: RegistryErrorKind, message: string, details: { registry: string; status?: number }) {
    super(message);
    this.name = 'RegistryError';
    this.kind = kind;
    this.status = details.status;
    this.registry = details.registry;
  }
}

export function isRegistryError(error: unknown, kind?: RegistryErrorKind): error is RegistryError {
  return error instanceof RegistryError && (kind === undefined || error.kind === kind);
}

/** The first `errors[].message` of a distribution error body, which says why better than the status. */
export function registryErrorDetail(body: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as {
      errors?: { code?: string; message?: string; detail?: unknown }[];
    };
    const first = parsed.errors?.[0];
    if (!first) return undefined;
    return [first.code, first.message].filter(Boolean).join(': ');
  } catch {
    return undefined;
  }
}
