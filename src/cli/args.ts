/**
 * Command-line parsing: `winnow <command> [file.pipe] [targets...] [options]`.
 *
 * May import: nothing.
 * Hand-written (no dependency) so start-up stays fast. Unknown flags are usage errors (exit 2) with a
 * did-you-mean; `--flag=value` and `--flag value` both work; `--set` repeats.
 */

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  /** Takes a value. */
  readonly value?: boolean;
  readonly repeat?: boolean;
  readonly help: string;
}

export interface ParsedArgs {
  readonly command: string;
  readonly positionals: string[];
  readonly flags: Record<string, string | boolean | string[]>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  const d = Array.from({ length: m + 1 }, (_, i) => [i, ...new Array<number>(n).fill(0)]);
  for (let j = 1; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[m]![n]!;
}

export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(name.toLowerCase(), c.toLowerCase());
    if (dist < bestD) { bestD = dist; best = c; }
  }
  const limit = name.length < 4 ? 1 : Math.max(2, Math.floor(name.length * 0.4));
  return best !== undefined && bestD <= limit ? best : undefined;
}

export function parseArgs(argv: readonly string[], commands: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  let command: string | undefined;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('-') && a !== '-') {
      let name: string, value: string | undefined;
      let spec: FlagSpec | undefined;
      if (a.startsWith('--')) {
        const eq = a.indexOf('=');
        name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
        value = eq >= 0 ? a.slice(eq + 1) : undefined;
        spec = byName.get(name);
        if (!spec && name.startsWith('no-') && byName.get(name.slice(3)) && !byName.get(name.slice(3))!.value) {
          flags[name.slice(3)] = false;
          continue;
        }
      } else {
        name = a.slice(1);
        spec = byShort.get(name);
        if (!spec && name.length > 1 && byShort.get(name[0]!)?.value) { spec = byShort.get(name[0]!); value = name.slice(1); }
      }
      if (!spec) {
        const hint = closest(name, specs.map((s) => s.name));
        throw new UsageError(`unknown option \`${a}\`${hint ? `; did you mean \`--${hint}\`?` : ''} (see \`winnow --help\`)`);
      }
      if (spec.value) {
        if (value === undefined) {
          value = argv[++i];
          if (value === undefined) throw new UsageError(`option \`--${spec.name}\` needs a value`);
        }
        if (spec.repeat) ((flags[spec.name] ??= []) as string[]).push(value);
        else flags[spec.name] = value;
      } else {
        if (value !== undefined) throw new UsageError(`option \`--${spec.name}\` takes no value`);
        flags[spec.name] = true;
      }
      continue;
    }
    if (command === undefined) {
      if (!commands.includes(a)) {
        const hint = closest(a, commands);
        throw new UsageError(`unknown command \`${a}\`${hint ? `; did you mean \`${hint}\`?` : ''} (commands: ${commands.join(', ')})`);
      }
      command = a;
    } else positionals.push(a);
  }
  return { command: command ?? 'help', positionals, flags };
}
