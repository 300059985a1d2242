// `builder watch`: follows a run live from its event stream (or by polling where the server has no
// stream). On a terminal it redraws a progress display; piped, it writes one plain line per change.
import { TERMINAL_STATUSES, type BuilderApiClient, type ExecutionView } from './apiClient';
import { creditsText, showJson } from './format';

/** Where watch output goes. */
export interface WatchOutput {
  write(text: string): void;
  isTTY: boolean;
}

const TERMINAL_STEP = new Set(['completed', 'error', 'skipped']);

/** Follows a run to its end and returns its final view. */
export async function watchExecution(api: BuilderApiClient, id: string, out: WatchOutput): Promise<ExecutionView> {
  const initial = await api.getExecution(id);
  const view = out.isTTY ? new TtyView(out, initial) : new PlainView(out, initial);
  if (!TERMINAL_STATUSES.has(initial.status)) {
    const stream = await api.events(id);
    if (stream) {
      for await (const event of stream) {
        if (event.type === 'run.status') view.runStatus(String(event.data.status));
        else if (event.type === 'step.status') view.stepStatus(String(event.data.stepId), String(event.data.status), event.data.attempt as number | undefined);
        else if (event.type === 'step.token') view.token(String(event.data.stepId), String(event.data.token));
      }
    } else {
      await api.waitForExecution(id, (execution) => {
        view.runStatus(execution.status);
        for (const step of execution.steps) view.stepStatus(step.id, step.status);
      });
    }
  }
  const final = await api.getExecution(id);
  view.finish(final);
  return final;
}

/** Plain lines: `step <id> <status>`, streamed text as `<step>> <line>`, then the outcome. */
class PlainView {
  private readonly statuses = new Map<string, string>();
  private readonly pending = new Map<string, string>();
  private run = '';
  constructor(
    private readonly out: WatchOutput,
    initial: ExecutionView,
  ) {
    this.out.write(`run ${initial.id} ${initial.triggerType ?? ''} ${initial.steps.length} steps\n`);
    this.runStatus(initial.status);
    for (const step of initial.steps) this.stepStatus(step.id, step.status);
  }
  runStatus(status: string): void {
    if (status === this.run) return;
    this.run = status;
    this.out.write(`run ${status}\n`);
  }
  stepStatus(stepId: string, status: string, attempt?: number): void {
    if (this.statuses.get(stepId) === status && !attempt) return;
    this.statuses.set(stepId, status);
    if (TERMINAL_STEP.has(status)) this.flush(stepId, true);
    this.out.write(`step ${stepId} ${status}${attempt && attempt > 1 ? ` (attempt ${attempt})` : ''}\n`);
  }
  token(stepId: string, token: string): void {
    this.pending.set(stepId, (this.pending.get(stepId) ?? '') + token);
    this.flush(stepId, false);
  }
  finish(final: ExecutionView): void {
    for (const stepId of this.pending.keys()) this.flush(stepId, true);
    this.runStatus(final.status);
    this.out.write(outcome(final));
  }
  /** Writes complete lines of streamed text (all of it when `all`). */
  private flush(stepId: string, all: boolean): void {
    const text = this.pending.get(stepId) ?? '';
    const cut = all ? text.length : text.lastIndexOf('\n') + 1;
    if (cut <= 0) return;
    for (const line of text.slice(0, cut).split('\n')) if (line !== '') this.out.write(`${stepId}> ${line}\n`);
    this.pending.set(stepId, text.slice(cut));
  }
}

/** A redrawn block: a progress bar, one line per step with its status and the tail of its text. */
class TtyView {
  private readonly steps: Array<{ id: string; status: string; text: string; attempt?: number }>;
  private run: string;
  private drawn = 0;
  constructor(
    private readonly out: WatchOutput,
    private readonly initial: ExecutionView,
  ) {
    this.steps = initial.steps.map((step) => ({ id: step.id, status: step.status, text: '' }));
    this.run = initial.status;
    this.draw();
  }
  runStatus(status: string): void {
    this.run = status;
    this.draw();
  }
  stepStatus(stepId: string, status: string, attempt?: number): void {
    const step = this.steps.find((candidate) => candidate.id === stepId);
    if (!step) return;
    step.status = status;
    if (attempt) step.attempt = attempt;
    this.draw();
  }
  token(stepId: string, token: string): void {
    const step = this.steps.find((candidate) => candidate.id === stepId);
    if (!step) return;
    step.text = (step.text + token).replace(/\s+/g, ' ').slice(-60);
    this.draw();
  }
  finish(final: ExecutionView): void {
    this.run = final.status;
    for (const step of final.steps) this.stepStatus(step.id, step.status);
    this.out.write(outcome(final));
  }
  private draw(): void {
    const done = this.steps.filter((step) => TERMINAL_STEP.has(step.status)).length;
    const width = 24;
    const filled = this.steps.length ? Math.round((done / this.steps.length) * width) : width;
    const lines = [
      `${this.initial.id}  ${this.run.toUpperCase()}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.steps.length} steps`,
      ...this.steps.map((step) => `  ${ICONS[step.status] ?? '?'} ${step.id.padEnd(16)} ${step.status.padEnd(9)}${step.attempt && step.attempt > 1 ? ` attempt ${step.attempt}` : ''} ${step.text}`),
    ];
    // Move up over the previous block and redraw it in place.
    this.out.write((this.drawn ? `\x1b[${this.drawn}A` : '') + lines.map((line) => `\x1b[2K${line}\n`).join(''));
    this.drawn = lines.length;
  }
}

const ICONS: Record<string, string> = { pending: '·', running: '▶', streaming: '≈', waiting: '…', completed: '✔', error: '✖', skipped: '↷' };

function outcome(final: ExecutionView): string {
  if (final.status === 'completed') return `completed in ${final.durationMs ?? '?'} ms, ${final.creditsUsed ?? 0} credits\noutput: ${showJson(final.output)}\n`;
  return `${final.status}: ${JSON.stringify(final.error)}\n${creditsText(final)}\n`;
}
