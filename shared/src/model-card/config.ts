import type { ConfigDocument } from '../config/index.js';

/**
 * The parts of a model card no machine can know, kept by the team in `model-card.yml` (schema in
 * schemas/model-card-config.schema.json). Strict: an unknown key is an error at its line, because a misspelt
 * section that is silently dropped is a section the reviewer never sees.
 */
export interface ModelCardConfig {
  description?: string;
  intendedUse?: string;
  outOfScopeUses: string[];
  limitations: string[];
  ethicalConsiderations?: string;
  owners: string[];
  license?: string;
}

const TEXT_KEYS = {
  description: 'description',
  'intended-use': 'intendedUse',
  'ethical-considerations': 'ethicalConsiderations',
  license: 'license',
} as const;
const LIST_KEYS = { 'out-of-scope-uses': 'outOfScopeUses', limitations: 'limitations', owners: 'owners' } as const;
const KNOWN = [...Object.keys(TEXT_KEYS), ...Object.keys(LIST_KEYS)];

/** Reads a parsed model-card.yml; every mistake is a ConfigurationError naming the file and line. */
export function readModelCardConfig(document: ConfigDocument): ModelCardConfig {
  const value = document.value;
  const config: ModelCardConfig = { outOfScopeUses: [], limitations: [], owners: [] };
  if (value === null || value === undefined) return config;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw document.error([], 'model-card.yml must be a mapping of sections, e.g. "intended-use: …".');
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (key in TEXT_KEYS) {
      if (typeof item !== 'string' || item.trim() === '') {
        throw document.error([key], `'${key}' must be text, e.g. ${key}: "Scoring churn risk of active customers".`);
      }
      config[TEXT_KEYS[key as keyof typeof TEXT_KEYS]] = item.trim();
    } else if (key in LIST_KEYS) {
      if (!Array.isArray(item)) throw document.error([key], `'${key}' must be a list of texts ("- …" lines).`);
      for (const [index, entry] of item.entries()) {
        if (typeof entry !== 'string' || entry.trim() === '') {
          throw document.error([key, index], `'${key}' item ${index + 1} must be text.`);
        }
      }
      config[LIST_KEYS[key as keyof typeof LIST_KEYS]] = (item as string[]).map((entry) => entry.trim());
    } else {
      throw document.error([key], `unknown section '${key}'; known: ${KNOWN.join(', ')}.`, { key: true });
    }
  }
  return config;
}
