export const ROOT: string;
export const DIST: string;
export const STAMP: string;
/** Builds the start-up bundle into dist/. */
export function buildBundle(opts?: { quiet?: boolean }): Promise<void>;
