/**
 * The AWS SDK pieces Bedrock needs (SigV4 signer, SHA-256, event-stream codec, shared config
 * loader), imported on the first Bedrock call rather than when the provider table loads: they
 * cost ~8 MB of RSS in every gateway process, and most configurations have no Bedrock provider.
 */
import type { Hash as SmithyHash } from '@smithy/core/serde';
import type { SignatureV4 as SmithySignatureV4 } from '@smithy/signature-v4';
import type { EventStreamCodec } from '@smithy/core/event-streams';

export interface Signing {
  SignatureV4: typeof SmithySignatureV4;
  Sha256: new (secret?: ConstructorParameters<typeof SmithyHash>[1]) => SmithyHash;
}

let signing: Promise<Signing> | undefined;
let codec: Promise<EventStreamCodec> | undefined;

/** A failed import is not cached: the next call tries again. */
function once<T>(load: () => Promise<T>, clear: () => void): Promise<T> {
  return load().catch((err: unknown) => {
    clear();
    throw err;
  });
}

export function loadSigning(): Promise<Signing> {
  return (signing ??= once(
    async () => {
      const [{ Hash }, { SignatureV4 }] = await Promise.all([import('@smithy/core/serde'), import('@smithy/signature-v4')]);
      class Sha256 extends Hash {
        constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
          super('sha256', secret);
        }
      }
      return { SignatureV4, Sha256 };
    },
    () => (signing = undefined),
  ));
}

export function loadEventStreamCodec(): Promise<EventStreamCodec> {
  return (codec ??= once(
    async () => {
      const [{ EventStreamCodec }, { fromUtf8, toUtf8 }] = await Promise.all([
        import('@smithy/core/event-streams'),
        import('@smithy/core/serde'),
      ]);
      return new EventStreamCodec(toUtf8, fromUtf8);
    },
    () => (codec = undefined),
  ));
}

export async function loadSharedConfigFiles(
  ...args: Parameters<typeof import('@smithy/core/config').loadSharedConfigFiles>
): ReturnType<typeof import('@smithy/core/config').loadSharedConfigFiles> {
  const { loadSharedConfigFiles: load } = await import('@smithy/core/config');
  return load(...args);
}
