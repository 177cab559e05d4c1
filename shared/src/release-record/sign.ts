import type { KeyObject } from 'node:crypto';
import { type DsseEnvelope, signEnvelope } from './dsse.js';
import { IN_TOTO_PAYLOAD_TYPE, type InTotoStatement } from './statement.js';

/** The statement as a signed DSSE envelope, the form cosign attaches and verifies. */
export function signStatement(statement: InTotoStatement, key: KeyObject): DsseEnvelope {
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key);
}
