// How the CLI shows a run to a person: its header, then one line per step with the node's name,
// status, duration, attempts and whether its output was reused from the replayed run.
import type { ExecutionView, StepView } from '../client/apiClient';
import { creditsText, showJson } from './format';

/** "312 ms", "4.2 s", "3 min 07 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** How long a step ran, from its recorded start and end; undefined until both exist. */
export function stepDurationMs(step: Pick<StepView, 'startedAt' | 'finishedAt'>): number | undefined {
  if (!step.startedAt || !step.finishedAt) return undefined;
  return Math.max(0, Date.parse(step.finishedAt) - Date.parse(step.startedAt));
}

/** One line per step: id, name, type, status, duration, attempts, reused, error. */
export function stepLines(steps: readonly StepView[]): string[] {
  const idWidth = Math.max(8, ...steps.map((step) => step.id.length)) + 2;
  const nameWidth = Math.max(8, ...steps.map((step) => (step.name ?? '').length)) + 2;
  return steps.map((step) => {
    const duration = step.reused ? 'reused' : (() => {
      const ms = stepDurationMs(step);
      return ms === undefined ? '-' : formatDuration(ms);
    })();
    return (
      `  ${step.id.padEnd(idWidth)}${(step.name ?? '').padEnd(nameWidth)}${step.nodeType.padEnd(18)} ${step.status.padEnd(9)} ${duration.padEnd(10)} attempts ${step.attempts ?? 0}` +
      (step.error ? `  error: ${JSON.stringify(step.error)}` : '')
    ).trimEnd();
  });
}

/** The text of `builder inspect`. */
export function describeExecution(execution: ExecutionView): string {
  const lines = [
    `execution ${execution.id}`,
    ...(execution.workflowSlug ? [`  workflow: ${execution.workflowSlug}`] : []),
    `  status:   ${execution.status}`,
    `  trigger:  ${execution.triggerType}`,
    `  credits:  ${creditsText(execution)}`,
    `  duration: ${typeof execution.durationMs === 'number' ? formatDuration(execution.durationMs) : '-'}`,
    ...(execution.parentExecutionId ? [`  replay of ${String(execution.parentExecutionId)}${execution.fromStepId ? ` from ${String(execution.fromStepId)}` : ''}`] : []),
    ...(execution.error ? [`  error:    ${JSON.stringify(execution.error)}`] : []),
    `  output:   ${showJson(execution.output)}`,
    'steps:',
    ...stepLines(execution.steps),
  ];
  return `${lines.join('\n')}\n`;
}
