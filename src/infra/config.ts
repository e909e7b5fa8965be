/**
 * Settings, parsed once from the environment into a frozen object. A bad
 * value throws ConfigError naming the setting; the CLI prints that one line
 * and exits 1. Nothing else in the project reads process.env.
 */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type EngineChoice = 'native' | 'wasm' | 'js';
export type RateWindow = { readonly max: number; readonly timeWindowMs: number; readonly text: string };

export interface RateLimits {
  readonly miningStart: RateWindow;
  readonly miningStop: RateWindow;
  readonly miningStats: RateWindow;
  readonly leaderboard: RateWindow;
  readonly poolStatus: RateWindow;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly jwtSecret: string | null;
  readonly auditorKey: string | null;
  readonly jwtExpiresInSeconds: number;
  readonly difficulty: number;
  readonly batchSize: number;
  readonly maxMiners: number;
  readonly miningTimeoutSeconds: number;
  readonly miningThreads: number;
  /** The hashing threads' nice value: 19 leaves the cores to the API first; lower starts the next round on every thread sooner. */
  readonly miningNice: number;
  /** Give work only to as many hashing threads as the machine leaves cores for (on), or always to all (off). */
  readonly miningThreadsAdapt: boolean;
  readonly hashEngine: EngineChoice | null;
  readonly systemMiner: boolean;
  readonly systemMinerGraceSeconds: number;
  readonly maxFutureBlockSeconds: number;
  readonly rateLimits: RateLimits;
  readonly trustProxy: boolean;
  readonly redisUrl: string | null;
  readonly logLevel: string;
  readonly scryptCost: number;
  readonly bodyLimitBytes: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^-?[0-9]+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(v)) return true;
  if (['0', 'false', 'off', 'no'].includes(v)) return false;
  throw new ConfigError(name, `expected on/off (true/false, 1/0), got "${raw}"`);
}

const UNITS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Parses the seed's rate format: "10 per day", "50 per hour", "1000/hour". */
export function parseRate(name: string, raw: string): RateWindow {
  const m = /^\s*([0-9]+)\s*(?:per|\/)\s*([0-9]+\s*)?(second|minute|hour|day)s?\s*$/i.exec(raw);
  if (!m) throw new ConfigError(name, `expected a rate like "10 per day" or "50 per hour", got "${raw}"`);
  const max = Number(m[1]);
  const mult = m[2] ? Number(m[2].trim()) : 1;
  const unit = UNITS[m[3]!.toLowerCase()]!;
  if (!Number.isSafeInteger(max) || max < 1 || max > 1_000_000_000 || mult < 1) {
    throw new ConfigError(name, `expected a positive count, got "${raw}"`);
  }
  return Object.freeze({ max, timeWindowMs: unit * mult, text: raw.trim() });
}

function rate(env: Env, name: string, dflt: string): RateWindow {
  const raw = env[name];
  return parseRate(name, raw === undefined || raw === '' ? dflt : raw);
}

function str(env: Env, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw === '' ? null : raw;
}

export function parseConfig(env: Env, cores = 2): Config {
  const databaseUrl = str(env, 'DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'expected a postgres:// or postgresql:// URL');
  }
  const jwtSecret = str(env, 'JWT_SECRET');
  if (jwtSecret !== null && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters long');
  }
  const auditorKey = str(env, 'AUDITOR_KEY');
  if (auditorKey !== null && auditorKey.length < 32) {
    throw new ConfigError('AUDITOR_KEY', 'must be at least 32 characters long');
  }
  const engine = str(env, 'HASH_ENGINE');
  if (engine !== null && !['native', 'wasm', 'js'].includes(engine)) {
    throw new ConfigError('HASH_ENGINE', `expected native, wasm or js, got "${engine}"`);
  }
  const logLevel = str(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }
  const host = str(env, 'HOST') ?? '127.0.0.1';
  return Object.freeze({
    port: int(env, 'PORT', 5000, 0, 65535),
    host,
    dataDir: str(env, 'DATA_DIR') ?? './data',
    databaseUrl,
    jwtSecret,
    auditorKey,
    jwtExpiresInSeconds: int(env, 'JWT_EXPIRES_IN_SECONDS', 86_400, 60, 30 * 86_400),
    difficulty: int(env, 'DIFFICULTY', 4, 1, 64),
    batchSize: int(env, 'BATCH_SIZE', 10, 1, 10_000),
    maxMiners: int(env, 'MAX_MINERS', 100, 1, 1_000_000),
    miningTimeoutSeconds: int(env, 'MINING_TIMEOUT_SECONDS', 300, 1, 86_400),
    miningThreads: int(env, 'MINING_THREADS', cores, 0, 256),
    miningNice: int(env, 'MINING_NICE', 19, 0, 19),
    miningThreadsAdapt: bool(env, 'MINING_THREADS_ADAPT', true),
    hashEngine: engine as EngineChoice | null,
    systemMiner: bool(env, 'SYSTEM_MINER', true),
    systemMinerGraceSeconds: int(env, 'SYSTEM_MINER_GRACE_SECONDS', 5, 0, 86_400),
    maxFutureBlockSeconds: int(env, 'MAX_FUTURE_BLOCK_SECONDS', 120, 0, 86_400),
    rateLimits: Object.freeze({
      miningStart: rate(env, 'RATE_LIMIT_MINING_START', '10 per day'),
      miningStop: rate(env, 'RATE_LIMIT_MINING_STOP', '50 per hour'),
      miningStats: rate(env, 'RATE_LIMIT_MINING_STATS', '1000 per hour'),
      leaderboard: rate(env, 'RATE_LIMIT_LEADERBOARD', '1000 per hour'),
      poolStatus: rate(env, 'RATE_LIMIT_POOL_STATUS', '1000 per hour'),
    }),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    redisUrl: str(env, 'REDIS_URL'),
    logLevel,
    scryptCost: int(env, 'SCRYPT_COST', 16384, 2, 1 << 20),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 16 * 1024, 256, 10 * 1024 * 1024),
  });
}
