/**
 * Slow salted hashing of the user's secret (rbi_number) with scrypt, compared
 * in constant time. Unknown users are checked against a dummy hash so that a
 * login takes the same time whether the PAN exists or not.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface PasswordHasher {
  hash(secret: string): Promise<string>;
  /** Verifies; with `stored` null it burns the same time and returns false. */
  verify(secret: string, stored: string | null): Promise<boolean>;
}

const KEYLEN = 32;

function scryptAsync(secret: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEYLEN, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export function createScryptHasher(cost: number): PasswordHasher {
  const r = 8;
  const p = 1;
  const format = (salt: Buffer, key: Buffer) =>
    `scrypt$${cost}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
  const dummy = format(randomBytes(16), randomBytes(KEYLEN));
  return {
    async hash(secret) {
      const salt = randomBytes(16);
      return format(salt, await scryptAsync(secret, salt, cost, r, p));
    },
    async verify(secret, stored) {
      const parts = (stored ?? dummy).split('$');
      if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
      const [, n, rr, pp, salt, key] = parts as [string, string, string, string, string, string];
      const expected = Buffer.from(key, 'base64');
      const actual = await scryptAsync(secret, Buffer.from(salt, 'base64'), Number(n), Number(rr), Number(pp));
      const same = actual.length === expected.length && timingSafeEqual(actual, expected);
      return stored !== null && same;
    },
  };
}
