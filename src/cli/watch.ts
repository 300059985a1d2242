// `builder watch`: follows a run live from its event stream (or by polling where the server has no
// stream). On a terminal it redraws a progress display; piped, it writes one plain line per change.
// Both end with the run's steps: node names, durations and which outputs were reused.
import { isSettled, type BuilderApiClient, type ExecutionView, type StepView } from '../client/apiClient';
import { isTerminalStepStatus } from '../contract/statuses';
import { formatDuration, stepDurationMs, stepLines } from './describe';
import { creditsText, showJson } from './format';
import type { TextSink } from './output';

/** Follows a run to its end, writing progress to `out`, and returns its final view. */
export async function watchExecution(api: BuilderApiClient, id: string, out: TextSink): Promise<ExecutionView> {
  const initial = await api.getExecution(id);
  const view = out.isTTY ? new TtyView(out, initial) : new PlainView(out, initial);
  if (!isSettled(initial.status)) {
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

const terminal = (status: string) => isTerminalStepStatus(status);

/** What a view tracks per step. */
interface LiveStep {
  /** The step as last seen; its status is whatever the stream said (printed as is, even if new to this CLI). */
  step: Omit<StepView, 'status'> & { status: string };
  text: string;
  attempt?: number;
  /** When this watcher saw the step start (for live durations). */
  seenStartMs?: number;
}

/** Plain lines: `step <id> <status>`, streamed text as `<step>> <line>`, then the outcome and the steps. */
class PlainView {
  private readonly steps = new Map<string, LiveStep>();
  private run = '';
  constructor(
    private readonly out: TextSink,
    initial: ExecutionView,
  ) {
    this.out.write(`run ${initial.id} ${initial.workflowSlug ?? ''} ${initial.triggerType ?? ''} ${initial.steps.length} steps\n`.replace(/ {2,}/g, ' '));
    this.runStatus(initial.status);
    for (const step of initial.steps) {
      this.steps.set(step.id, { step: { ...step, status: '' }, text: '' });
      this.stepStatus(step.id, step.status);
    }
  }
  runStatus(status: string): void {
    if (status === this.run) return;
    this.run = status;
    this.out.write(`run ${status}\n`);
  }
  stepStatus(stepId: string, status: string, attempt?: number): void {
    const live = this.steps.get(stepId);
    if (!live || (live.step.status === status && !attempt)) return;
    live.step.status = status;
    if (status === 'running' && live.seenStartMs === undefined) live.seenStartMs = Date.now();
    if (terminal(status)) this.flush(live, true);
    const extras = [
      ...(attempt && attempt > 1 ? [`(attempt ${attempt})`] : []),
      ...(live.step.reused ? ['(reused)'] : []),
      ...(terminal(status) && live.seenStartMs !== undefined ? [`in ${formatDuration(Date.now() - live.seenStartMs)}`] : []),
    ];
    this.out.write(`step ${stepId} ${status}${extras.length ? ` ${extras.join(' ')}` : ''}\n`);
  }
  token(stepId: string, token: string): void {
    const live = this.steps.get(stepId);
    if (!live) return;
    live.text += token;
    this.flush(live, false);
  }
  finish(final: ExecutionView): void {
    for (const live of this.steps.values()) this.flush(live, true);
    this.runStatus(final.status);
    this.out.write(outcome(final));
  }
  /** Writes complete lines of streamed text (all of it when `all`). */
  private flush(live: LiveStep, all: boolean): void {
    const cut = all ? live.text.length : live.text.lastIndexOf('\n') + 1;
    if (cut <= 0) return;
    for (const line of live.text.slice(0, cut).split('\n')) if (line !== '') this.out.write(`${live.step.id}> ${line}\n`);
    live.text = live.text.slice(cut);
  }
}

/** A redrawn block: a progress bar, one line per step with its name, status, time and the tail of its text. */
class TtyView {
  private readonly steps: LiveStep[];
  private run: string;
  private drawn = 0;
  constructor(
    private readonly out: TextSink,
    private readonly initial: ExecutionView,
  ) {
    this.steps = initial.steps.map((step) => ({ step: { ...step }, text: '' }));
    this.run = initial.status;
    this.draw();
  }
  runStatus(status: string): void {
    this.run = status;
    this.draw();
  }
  stepStatus(stepId: string, status: string, attempt?: number): void {
    const live = this.steps.find((candidate) => candidate.step.id === stepId);
    if (!live) return;
    live.step.status = status;
    if (status === 'running' && live.seenStartMs === undefined) live.seenStartMs = Date.now();
    if (attempt) live.attempt = attempt;
    this.draw();
  }
  token(stepId: string, token: string): void {
    const live = this.steps.find((candidate) => candidate.step.id === stepId);
    if (!live) return;
    live.text = (live.text + token).replace(/\s+/g, ' ').slice(-50);
    this.draw();
  }
  finish(final: ExecutionView): void {
    this.run = final.status;
    // The recorded steps carry exact durations: draw those last.
    for (const step of final.steps) {
      const live = this.steps.find((candidate) => candidate.step.id === step.id);
      if (live) live.step = step;
    }
    this.draw();
    this.out.write(outcome(final, false));
  }
  private draw(): void {
    const done = this.steps.filter((live) => terminal(live.step.status)).length;
    const width = 24;
    const filled = this.steps.length ? Math.round((done / this.steps.length) * width) : width;
    const nameWidth = Math.max(...this.steps.map((live) => (live.step.name ?? live.step.id).length), 8) + 2;
    const lines = [
      `${this.initial.id}  ${this.run.toUpperCase()}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.steps.length} steps`,
      ...this.steps.map(({ step, text, attempt, seenStartMs }) => {
        const recorded = stepDurationMs(step);
        const time = step.reused ? 'reused' : recorded !== undefined ? formatDuration(recorded) : seenStartMs !== undefined ? formatDuration(Date.now() - seenStartMs) : '';
        return `  ${ICONS[step.status] ?? '?'} ${(step.name ?? step.id).padEnd(nameWidth)}${step.status.padEnd(10)}${time.padEnd(9)}${attempt && attempt > 1 ? `attempt ${attempt} ` : ''}${text}`;
      }),
    ];
    // Move up over the previous block and redraw it in place.
    this.out.write((this.drawn ? `\x1b[${this.drawn}A` : '') + lines.map((line) => `\x1b[2K${line}\n`).join(''));
    this.drawn = lines.length;
  }
}

const ICONS: Record<string, string> = { pending: '·', running: '▶', streaming: '≈', waiting: '…', completed: '✔', error: '✖', skipped: '↷' };

/** The run's outcome, then (for plain output) its steps with names, durations and reused markers. */
function outcome(final: ExecutionView, withSteps = true): string {
  const head =
    final.status === 'completed'
      ? `completed in ${typeof final.durationMs === 'number' ? formatDuration(final.durationMs) : '?'}, ${final.creditsUsed ?? 0} credits\noutput: ${showJson(final.output)}\n`
      : `${final.status}: ${JSON.stringify(final.error)}\n${creditsText(final)}\n`;
  return withSteps ? `${head}steps:\n${stepLines(final.steps).join('\n')}\n` : head;
}
