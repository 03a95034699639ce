import { randomBytes } from 'node:crypto';

/** A source of randomness: seeded (deterministic) or not. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** 32 lower-case hex digits (UUIDs). */
  hex32(): string;
}

/** mulberry32: small, fast and good enough for test randomness. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic when `seed` is given; otherwise Math.random and crypto. */
export function createRandom(seed?: number): Random {
  if (seed === undefined) {
    return { next: Math.random, hex32: randomHex32 };
  }
  const next = mulberry32(seed);
  return {
    next,
    hex32() {
      let out = '';
      for (let i = 0; i < 4; i++)
        out += Math.floor(next() * 4294967296)
          .toString(16)
          .padStart(8, '0');
      return out;
    },
  };
}

/** 32 random lower-case hex digits from the crypto generator (nonces, opaques, tickets). */
export function randomHex32(): string {
  return randomBytes(16).toString('hex');
}
