// Prometheus metrics of the LLM gateway. Label values are bounded: providers are a fixed set, statuses are HTTP
// codes, and model names (which come from provider responses) are checked and capped in number.
import { Counter, Histogram, type Registry } from "prom-client";
import type { LlmProvider } from "./settings";

const MODEL_LABEL_PATTERN = /^[A-Za-z0-9._:@/-]{1,100}$/;
/** Distinct model label values kept; later new names are counted as "other" so a hostile upstream cannot explode series. */
const MAX_MODEL_LABELS = 200;

export interface GatewayMetrics {
    observe(r: { provider: LlmProvider; model: string | undefined; status: number; seconds: number; inputTokens: number; outputTokens: number }): void;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
    const requests = new Counter({
        name: "relayer_llm_requests_total",
        help: "LLM gateway requests by provider, model and HTTP status (including the gateway's own 4xx/5xx answers).",
        labelNames: ["provider", "model", "status"],
        registers: [registry],
    });
    const tokens = new Counter({
        name: "relayer_llm_tokens_total",
        help: "Tokens reported by the providers' usage fields, by provider, model and direction (input/output).",
        labelNames: ["provider", "model", "direction"],
        registers: [registry],
    });
    const duration = new Histogram({
        name: "relayer_llm_request_duration_seconds",
        help: "LLM gateway request duration from request to the last response byte.",
        labelNames: ["provider", "status"],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
        registers: [registry],
    });
    const seenModels = new Set<string>();
    const modelLabel = (model: string | undefined): string => {
        if (model === undefined) return "unknown";
        if (!MODEL_LABEL_PATTERN.test(model)) return "other";
        if (seenModels.has(model)) return model;
        if (seenModels.size >= MAX_MODEL_LABELS) return "other";
        seenModels.add(model);
        return model;
    };
    return {
        observe({ provider, model, status, seconds, inputTokens, outputTokens }) {
            const m = modelLabel(model);
            requests.inc({ provider, model: m, status: String(status) });
            duration.observe({ provider, status: String(status) }, seconds);
            if (inputTokens > 0) tokens.inc({ provider, model: m, direction: "input" }, inputTokens);
            if (outputTokens > 0) tokens.inc({ provider, model: m, direction: "output" }, outputTokens);
        },
    };
}
