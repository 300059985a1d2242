// OpenTelemetry traces: one trace per run, from the API request through admission, the workflow
// (Temporal's OpenTelemetry interceptors carry the context in workflow and activity headers) and
// each activity to the provider call. Off unless started; exported over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, or to any span processor a test passes.
import { createRequire } from 'node:module';
import { context, propagation, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Middleware } from 'koa';

/** Name of our tracer (API request, admission and provider spans). */
export const TRACER_NAME = 'builder-studio';

/** The workflow interceptors module, bundled into the workflow code when tracing is on. */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** A started tracer provider and the Temporal pieces that carry its context. */
export interface Tracing {
  /** Client interceptors: the workflow start span, and its context in the workflow's headers. */
  clientInterceptors: { workflow: WorkflowClientInterceptor[] };
  /** Activity interceptor: a span per activity attempt, child of the workflow's. */
  activityInterceptor: ActivityInterceptorsFactory;
  /** The sink through which the workflow sandbox exports its spans. */
  sinks: InjectedSinks<Record<string, never>>;
  /** Flushes and unregisters (safe to call twice). */
  shutdown(): Promise<void>;
}

/** Starts tracing for this process; returns undefined when there is nowhere to send spans. */
export function startTracing(options: { serviceName: string; endpoint?: string; spanProcessor?: SpanProcessor }): Tracing | undefined {
  const processor =
    options.spanProcessor ?? (options.endpoint ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` })) : undefined);
  if (!processor) return undefined;
  const resource = new Resource({ 'service.name': options.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: our spans (trace.getTracer) and the SDK's interceptors find it there, and the
  // AsyncLocalStorage context manager carries the active span through async code.
  provider.register();
  let stopped: Promise<void> | undefined;
  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    activityInterceptor: (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    sinks: { exporter: makeWorkflowExporter(processor, resource) } as unknown as InjectedSinks<Record<string, never>>,
    shutdown: () =>
      (stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
        propagation.disable();
      })),
  };
}

/** Runs `fn` in a span of our tracer (a no-op span when tracing is off), recording a thrown error. */
export async function inSpan<T>(name: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Wraps a provider registry so each provider call (any method of any provider it hands out) is a
 * span `provider <kind>.<method>`; keeps the registry's shape whatever providers it gains.
 */
export function traceProviders<R extends object>(registry: R): R {
  const wrapProvider = (kind: string, provider: unknown): unknown => {
    if (!provider || typeof provider !== 'object') return provider;
    return new Proxy(provider, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return (...args: unknown[]) => {
          const request = (args[0] ?? {}) as { model?: unknown };
          const id = (target as { id?: unknown }).id;
          return inSpan(
            `provider ${kind}.${property}`,
            { 'builder.provider': typeof id === 'string' ? id : kind, ...(typeof request.model === 'string' ? { 'builder.model': request.model } : {}) },
            async () => (value as (...a: unknown[]) => unknown).apply(target, args),
          );
        };
      },
    });
  };
  return new Proxy(registry, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string') return value;
      if (typeof value === 'function') return (...args: unknown[]) => wrapProvider(property, (value as (...a: unknown[]) => unknown).apply(target, args));
      return wrapProvider(property, value);
    },
  });
}

/** Koa middleware: a span per request (the root of a run's trace), named by method and route. */
export function requestTracing(): Middleware {
  return (ctx, next) =>
    inSpan(`HTTP ${ctx.method}`, { 'http.request.method': ctx.method, 'url.path': ctx.path }, async (span) => {
      try {
        await next();
      } finally {
        const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
        if (typeof route === 'string') span.updateName(`${ctx.method} ${route}`);
        span.setAttribute('http.response.status_code', ctx.status);
        if (typeof ctx.state.executionId === 'string') span.setAttribute('builder.execution_id', ctx.state.executionId);
        if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      }
    });
}
