/**
 * The one anonymized key shared by posts, media, labels and predictions: HMAC-SHA256 of the platform and
 * the platform's own id under a project secret. The raw id never reaches the store; without the secret
 * the key cannot be traced back, and with it the same post always gets the same key (idempotent ingest).
 */
import { createHmac, randomBytes } from "node:crypto";
import { dirname } from "node:path";

/** A prepared anonymizer; `post` and `user` keys live in separate namespaces. */
export interface Anonymizer {
  post(platform: string, nativeId: string): string;
  user(platform: string, userId: string): string;
}

const MIN_SECRET_LENGTH = 32;

export function createAnonymizer(secret: string): Anonymizer {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new RangeError(
      `Cannot anonymize ids: the secret has ${secret.length} characters, at least ${MIN_SECRET_LENGTH} are needed`,
    );
  }
  const mac = (kind: string, platform: string, id: string) =>
    createHmac("sha256", secret).update(`${kind}\u0000${platform}\u0000${id}`).digest("hex");
  return {
    post: (platform, nativeId) => {
      if (!platform || !nativeId) {
        throw new TypeError(
          `Cannot anonymize post id: platform "${platform}" and id "${nativeId}" must be non-empty`,
        );
      }
      return mac("post", platform, nativeId);
    },
    user: (platform, userId) => mac("user", platform, userId),
  };
}

/**
 * The secret from `ANON_SECRET` when set, else from the secret file — generated (256 random bits, mode
 * 0600) on first use. Losing the file means new keys for re-ingested posts, so it lives outside `data/`.
 */
export async function loadOrCreateSecret(
  options: { secretPath: string; anonSecret?: string },
): Promise<string> {
  if (options.anonSecret) return options.anonSecret;
  try {
    return (await Deno.readTextFile(options.secretPath)).trim();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.mkdir(dirname(options.secretPath), { recursive: true });
  const secret = randomBytes(32).toString("hex");
  try {
    await Deno.writeTextFile(options.secretPath, secret + "\n", { createNew: true, mode: 0o600 });
    return secret;
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return (await Deno.readTextFile(options.secretPath)).trim();
    throw err;
  }
}
