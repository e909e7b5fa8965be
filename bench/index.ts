/** `npm run bench -- <name> [options]`: runs bench/<name>.ts's run(args). */
const [name, ...rest] = process.argv.slice(2);
const names = ['hash', 'e2e', 'api', 'scale', 'rounds', 'startup', 'audit', 'fairness', 'payments', 'protocol', 'store'];
if (!name || !names.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${names.join('|')}> [--json]\n`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { run(args: string[]): Promise<void> };
await mod.run(rest);
process.exit(0);
