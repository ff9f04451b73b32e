// OpenTelemetry tracing, off unless OTEL_TRACES_EXPORTER names an exporter (otlp or console).
// The standard OTEL_* variables configure the rest: OTEL_EXPORTER_OTLP_ENDPOINT /
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / _HEADERS (read by the OTLP exporter itself),
// OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG) (read by the tracer provider).
// Spans: the API request (server span) → Temporal client call → workflow → activity (Temporal's
// OpenTelemetry interceptors carry the context in Temporal headers) → each outgoing HTTP call,
// which is seen through undici's diagnostics channel so the HTTP client needs no change.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { NextFunction, Request, Response } from 'express';

export interface Tracing {
  provider: NodeTracerProvider;
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

export const TRACER_NAME = 'bayar';

let active = false;
/** Whether this process traces (the Temporal client adds its interceptor only then). */
export function tracingActive(): boolean {
  return active;
}

/** The exporter the environment asks for; undefined when tracing is off (the default). */
export function tracesExporter(env: NodeJS.ProcessEnv = process.env): 'otlp' | 'console' | undefined {
  const value = (env.OTEL_TRACES_EXPORTER ?? 'none').trim().toLowerCase();
  if (value === 'none' || value === '' || env.OTEL_SDK_DISABLED === 'true') return undefined;
  if (value === 'otlp' || value === 'console') return value;
  throw new Error(`OTEL_TRACES_EXPORTER=${value} is not supported (otlp, console or none)`);
}

/**
 * Starts tracing for this process when the environment asks for it, or with the given span
 * processor (tests pass an in-memory exporter's). Registers the global tracer provider, the
 * AsyncLocalStorage context manager and the W3C trace-context propagator.
 */
export function startTracing(service: 'api' | 'worker', options: { spanProcessor?: SpanProcessor; env?: NodeJS.ProcessEnv } = {}): Tracing | undefined {
  const env = options.env ?? process.env;
  let spanProcessor = options.spanProcessor;
  if (!spanProcessor) {
    const kind = tracesExporter(env);
    if (!kind) return undefined;
    spanProcessor = kind === 'console' ? new SimpleSpanProcessor(new ConsoleSpanExporter()) : new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? `bayar-${service}` });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  active = true;
  const stopHttpSpans = traceUndiciRequests();
  return {
    provider,
    spanProcessor,
    resource,
    async shutdown() {
      stopHttpSpans();
      active = false;
      await provider.shutdown();
    },
  };
}

/** Express middleware: one server span per API request, active while the request is handled. */
export function requestSpans() {
  const tracer = trace.getTracer(TRACER_NAME);
  return (req: Request, res: Response, next: NextFunction) => {
    const parent = propagation.extract(context.active(), req.headers);
    // The route, not the URL: payment ids stay out of span names (they are attributes of the workflow span).
    const route = req.path.startsWith('/webhooks/') ? '/webhooks/:provider' : req.path.replace(/(pay|po)_[0-9a-f]{24}/, ':id');
    const span = tracer.startSpan(`${req.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': route } }, parent);
    res.once('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

interface UndiciRequest {
  origin: string;
  method: string;
  path: string;
  addHeader(name: string, value: string): void;
}

/**
 * Client spans for outgoing HTTP (provider calls, merchant callbacks) from undici's diagnostics
 * channel: published synchronously where the request is made, so the active context is the
 * activity's span. Only origin and method are recorded (paths of some providers carry ids).
 */
function traceUndiciRequests(): () => void {
  const tracer = trace.getTracer(TRACER_NAME);
  const spans = new WeakMap<object, Span>();
  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    const span = tracer.startSpan(`HTTP ${request.method}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': request.method, 'server.address': request.origin } });
    spans.set(request, span);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    for (const [name, value] of Object.entries(carrier)) request.addHeader(name, value);
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: object; response: { statusCode: number } };
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  };
  const onDone = (message: unknown) => {
    const { request, error } = message as { request: object; error?: Error };
    const span = spans.get(request);
    if (!span) return;
    if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
    span.end();
    spans.delete(request);
  };
  const channels: [string, (m: unknown) => void][] = [
    ['undici:request:create', onCreate],
    ['undici:request:headers', onHeaders],
    ['undici:request:trailers', onDone],
    ['undici:request:error', onDone],
  ];
  for (const [name, fn] of channels) subscribe(name, fn);
  return () => {
    for (const [name, fn] of channels) {
      unsubscribe(name, fn);
    }
  };
}
