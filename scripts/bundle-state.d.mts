/** Whether dist/ must be built again (missing, or older than a source file, the lockfile or the build script). */
export function needsBuild(root: string): boolean;
