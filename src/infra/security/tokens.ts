/** JWT with the algorithm pinned to HS256 and `exp` required (fast-jwt). */
import { createSigner, createVerifier } from 'fast-jwt';

export interface TokenClaims {
  readonly userIdx: string;
  readonly bank: string;
}

export interface TokenService {
  readonly expiresInSeconds: number;
  sign(claims: TokenClaims): string;
  /** Returns the claims, or null for any invalid, expired, foreign or `alg: none` token. */
  verify(token: string): TokenClaims | null;
}

export function createTokenService(secret: string, expiresInSeconds: number): TokenService {
  const signer = createSigner({ key: secret, algorithm: 'HS256', expiresIn: expiresInSeconds * 1000, iss: 'idxchain' });
  const verifier = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: 'idxchain',
    requiredClaims: ['exp', 'sub', 'iss'],
    cache: 1000,
  });
  return {
    expiresInSeconds,
    sign: (c) => signer({ sub: c.userIdx, bank: c.bank }),
    verify: (token) => {
      try {
        const p = verifier(token) as { sub?: unknown; bank?: unknown };
        if (typeof p.sub !== 'string' || typeof p.bank !== 'string') return null;
        return { userIdx: p.sub, bank: p.bank };
      } catch {
        return null;
      }
    },
  };
}
