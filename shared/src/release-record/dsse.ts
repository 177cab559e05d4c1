import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { ConfigurationError } from '../errors/index.js';

/** A DSSE v1 envelope (secure-systems-lab/dsse): the payload and signatures over its pre-authentication encoding. */
export interface DsseEnvelope {
  payloadType: string;
  /** Base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** DSSE's PAE: `DSSEv1 <len(type)> <type> <len(body)> <body>`; what is signed, so the type cannot be swapped. */
export function preAuthenticationEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType);
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

function ecdsaP256(key: KeyObject, input: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigurationError(
      `Input '${input}' is a ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''} key; an ECDSA P-256 key is needed (cosign's, or openssl ecparam -name prime256v1 -genkey).`,
      { input },
    );
  }
  return key;
}

/**
 * The signing key from PEM text: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`), ECDSA P-256.
 * cosign's own encrypted format needs its password and NaCl secretbox; `cosign import-key-pair` goes the other way.
 */
export function readSigningKey(pem: string, input: string): KeyObject {
  if (/BEGIN ENCRYPTED SIGSTORE PRIVATE KEY/.test(pem)) {
    throw new ConfigurationError(
      `Input '${input}' is cosign's encrypted key; give the unencrypted PEM (BEGIN PRIVATE KEY or BEGIN EC PRIVATE KEY) of the same ECDSA P-256 key, kept in a secret.`,
      { input },
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigurationError(
      `Input '${input}' is not a PEM private key; give the PEM text (-----BEGIN PRIVATE KEY----- …) of an ECDSA P-256 key.`,
      { input },
    );
  }
  return ecdsaP256(key, input);
}

/** The verifying key from PEM text (`BEGIN PUBLIC KEY`, as `cosign generate-key-pair` writes cosign.pub). */
export function readVerifyingKey(pem: string, input: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigurationError(
      `Input '${input}' is not a PEM public key; give the text of cosign.pub (-----BEGIN PUBLIC KEY----- …).`,
      { input },
    );
  }
  return ecdsaP256(key, input);
}

/** Signs `payload` into an envelope: ECDSA P-256 over SHA-256 of the PAE, DER-encoded, as cosign verifies it. */
export function signEnvelope(payloadType: string, payload: Uint8Array, key: KeyObject): DsseEnvelope {
  const signature = sign('sha256', preAuthenticationEncoding(payloadType, payload), key);
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: '', sig: signature.toString('base64') }],
  };
}

/** The payload bytes when one of the envelope's signatures verifies with `key`; undefined when none does. */
export function verifyEnvelope(envelope: DsseEnvelope, key: KeyObject): Buffer | undefined {
  const payload = Buffer.from(envelope.payload, 'base64');
  const signed = preAuthenticationEncoding(envelope.payloadType, payload);
  for (const signature of envelope.signatures ?? []) {
    try {
      if (verify('sha256', signed, key, Buffer.from(signature.sig, 'base64'))) return payload;
    } catch {
      // A malformed signature is one that does not verify.
    }
  }
  return undefined;
}
