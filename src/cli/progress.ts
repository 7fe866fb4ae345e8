/**
 * The live progress line on a TTY: steps done/total, what is running (with its own progress), and
 * the elapsed time, redrawn at most ten times a second on stderr. Off a TTY it stays silent (the
 * summary is printed at the end); `--verbose` prints one line per finished step instead.
 *
 * May import: graph/types (types).
 */
import type { BuildEvent } from '../runtime/graph/types.js';

export class Progress {
  private total = 0;
  /** Distinct steps finished: a search re-plans and rebuilds in rounds, which must not double-count. */
  private readonly doneIds = new Set<string>();
  private built = 0;
  private readonly running = new Map<string, { fraction?: number; message?: string }>();
  private last = 0;
  private timer?: NodeJS.Timeout;
  private readonly t0 = performance.now();
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly mode: 'tty' | 'verbose' | 'quiet',
  ) {}

  onEvent = (e: BuildEvent): void => {
    switch (e.type) {
      case 'build-start': this.total = Math.max(this.total, e.steps); break;
      case 'step-start': this.running.set(e.id, {}); break;
      case 'progress': { const r = this.running.get(e.id); if (r) { r.fraction = e.fraction; r.message = e.message; } break; }
      case 'step-done':
        this.running.delete(e.id);
        this.doneIds.add(e.id);
        if (e.status === 'built') this.built++;
        if (this.mode === 'verbose' && e.status !== 'cached') {
          this.clear();
          this.out.write(`${e.status.padEnd(7)} ${e.id} ${e.ms >= 1 ? `(${(e.ms / 1000).toFixed(2)}s)` : ''}${e.error ? `: ${e.error}` : ''}\n`);
        }
        break;
      case 'log':
        // Step logs (e.g. which ROOT reader read a branch) are details: --verbose only.
        if (this.mode === 'verbose') { this.clear(); this.out.write(`${e.id}: ${e.message}\n`); }
        break;
      case 'lock-wait':
        this.clear();
        this.out.write(`waiting for another winnow build (pid ${e.pid} on ${e.host}) to release the cache lock...\n`);
        break;
      case 'notice':
        this.clear();
        this.out.write(`note: ${e.message}\n`);
        break;
      default: break;
    }
    if (this.mode === 'tty') this.schedule();
  };

  private schedule(): void {
    const now = performance.now();
    if (now - this.last >= 100) this.draw();
    else if (!this.timer) this.timer = setTimeout(() => { this.timer = undefined; this.draw(); }, 100);
  }

  private draw(): void {
    this.last = performance.now();
    if (this.running.size === 0 && this.built === 0) return; // nothing to say for an all-cached build
    const secs = ((performance.now() - this.t0) / 1000).toFixed(1);
    const run = [...this.running.entries()].slice(0, 3).map(([id, r]) => (r.fraction !== undefined ? `${id} ${Math.round(r.fraction * 100)}%` : id));
    const more = this.running.size > 3 ? ` +${this.running.size - 3}` : '';
    let line = `[${this.doneIds.size}/${this.total}] ${secs}s${run.length ? ` · ${run.join(', ')}${more}` : ''}`;
    const width = this.out.columns ?? 100;
    if (line.length > width - 1) line = line.slice(0, width - 2) + '…';
    this.out.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) {
      this.out.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
  }
}
