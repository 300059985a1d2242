// One step as a card: the step's name, type, status (one colour per status), attempts, duration,
// error, its streamed text or output, and when selected, "Replay from here". On the canvas it is a
// node with handles; in the narrow list it stands alone.
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { ReactNode } from 'react';
import type { StepStatus, StepView } from './api';
import { formatDuration } from './format';
import { Outputs } from './Outputs';

/** What a step node shows. */
export interface StepNodeData extends Record<string, unknown> {
  name: string;
  nodeType: string;
  /** A Response Output node: its value is the run's output (the server says which; the viewer knows no type ids). */
  output: boolean;
  model: string | null;
  step: StepView | undefined;
  streamed: string | undefined;
  durationMs: number | null;
  /** Set when "Replay from here" can be offered (the token allows actions). */
  onReplayFrom?: (stepId: string) => void;
  replayBusy: boolean;
  /** The steps feeding this one, named in the list view (the canvas draws them as edges). */
  after?: string[];
}

/** The step node type of the canvas. */
export type StepFlowNode = Node<StepNodeData, 'step'>;

/** Renders a step node of the canvas. */
export function StepNode({ id, data, selected }: NodeProps<StepFlowNode>) {
  return (
    <StepCard id={id} data={data} selected={selected}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </StepCard>
  );
}

/** Renders one step's card; `children` adds the canvas handles. */
export function StepCard({ id, data, selected, onSelect, children }: { id: string; data: StepNodeData; selected: boolean; onSelect?: () => void; children?: ReactNode }) {
  const status: StepStatus = data.step?.status ?? 'pending';
  const step = data.step;
  return (
    <div
      className={`step status-${status}${selected ? ' selected' : ''}`}
      data-node-id={id}
      data-status={status}
      data-reused={step?.reused ? 'true' : 'false'}
      onClick={onSelect}
    >
      {children}
      <div className="step-head">
        <span className="step-name" title={data.name}>
          {data.name}
        </span>
        <span className={`badge status-${status}`} data-role="step-status">
          {status}
        </span>
      </div>
      <div className="step-meta">
        <span>{data.nodeType}</span>
        {data.model ? <span>{data.model}</span> : null}
        {step?.reused ? (
          <span className="reused" data-role="reused">
            reused
          </span>
        ) : null}
        {step?.cache?.hit ? (
          <span className="reused" data-role="cache-hit" title={`Output reused from step ${step.cache.stepId} of ${step.cache.executionId}: no provider call, 0 credits`}>
            cache hit
          </span>
        ) : null}
      </div>
      {data.after && data.after.length > 0 ? <div className="step-meta">after {data.after.join(', ')}</div> : null}
      <div className="step-meta">
        <span>attempts {step?.attempts ?? 0}</span>
        <span>{formatDuration(data.durationMs)}</span>
      </div>
      {status === 'waiting' && step?.waitingOn?.provider ? (
        <div className="step-meta" data-role="waiting-on">
          {step.waitingOn.type === 'vendor-capacity'
            ? `waiting for ${step.waitingOn.vendor ?? step.waitingOn.provider} capacity`
            : `waiting on ${step.waitingOn.provider}${step.waitingOn.jobId ? ` (job ${step.waitingOn.jobId})` : ''}`}
        </div>
      ) : null}
      {step?.error ? (
        <div className="step-error" data-role="step-error">
          {errorText(step.error)}
        </div>
      ) : null}
      <div className={`step-output nowheel${data.output ? ' response' : ''}`}>
        <Outputs output={step?.output ?? null} streamed={data.streamed} stepId={id} />
      </div>
      {selected && data.onReplayFrom ? (
        <button
          type="button"
          className="replay-from nodrag"
          data-action="replay-from"
          disabled={data.replayBusy}
          onClick={(event) => {
            event.stopPropagation();
            data.onReplayFrom?.(id);
          }}
        >
          Replay from here
        </button>
      ) : null}
    </div>
  );
}

/** A step's error as one line: its type as a prefix, unless the message already starts with it ("Skipped: …"). */
export function errorText(error: { type?: string | null; message?: string | null }): string {
  const message = error.message ?? 'failed';
  if (!error.type || message.startsWith(`${error.type}:`)) return message;
  return `${error.type}: ${message}`;
}
