import { ConfigurationError } from '../errors/index.js';
import { isRegistryError } from './errors.js';

/**
 * A registry refusal told as the user's mistake, naming the input to fix: wrong credentials point at
 * `registry-password`, missing access at `registry-username`, an unreachable registry at the input that named
 * it. Outages (5xx after every retry) and protocol breaks stay our errors.
 */
export function explainRegistryError(
  error: unknown,
  context: { input: string; reference: string; username: string | undefined },
): unknown {
  if (!isRegistryError(error)) return error;
  switch (error.kind) {
    case 'unreachable':
      return new ConfigurationError(
        `Input '${context.input}': the registry of '${context.reference}' could not be reached: ${error.message}`,
        { input: context.input },
      );
    case 'unauthorized':
      return context.username
        ? new ConfigurationError(
            `Input 'registry-password': ${error.registry} refused the password for user '${context.username}'. Check the secret, or the token's scopes (write:packages for ghcr.io).`,
            { input: 'registry-password' },
          )
        : new ConfigurationError(
            `Input 'registry-username': ${error.registry} needs credentials for '${context.reference}'; give 'registry-username' and 'registry-password' (or log in before this step).`,
            { input: 'registry-username' },
          );
    case 'denied':
      return new ConfigurationError(
        `Input 'registry-username': ${context.username ? `user '${context.username}'` : 'an anonymous client'} may not do this on '${context.reference}': ${error.message}`,
        { input: 'registry-username' },
      );
    case 'not-found':
      return new ConfigurationError(
        `Input '${context.input}': '${context.reference}' was not found: ${error.message}`,
        {
          input: context.input,
        },
      );
    default:
      return error;
  }
}
