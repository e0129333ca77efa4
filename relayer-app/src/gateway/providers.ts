// Pure knowledge about the four LLM providers: which secret files hold their credentials, how the credential
// is presented upstream, and how a gateway path maps to the provider's URL. No I/O here.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { LLM_PROVIDERS, type LlmProvider } from "./settings";

/** Secret files (in RELAYER_SECRETS_DIR) a provider needs before it answers. */
export function credentialFiles(provider: LlmProvider): { apiKey: string; endpoint?: string } {
    return provider === "azure"
        ? { apiKey: "llm-azure-api-key", endpoint: "azure-openai-endpoint" }
        : { apiKey: `llm-${provider}-api-key` };
}

/** The header that carries the relayer's key to the provider, as each provider's API documents it. */
export function credentialHeader(provider: LlmProvider, apiKey: string): [name: string, value: string] {
    switch (provider) {
        case "anthropic":
            return ["x-api-key", apiKey];
        case "openai":
            return ["authorization", `Bearer ${apiKey}`];
        case "gemini":
            return ["x-goog-api-key", apiKey];
        case "azure":
            return ["api-key", apiKey];
    }
}

/**
 * Request headers never forwarded: every way a client can present a credential (the relayer's key is the only
 * one that reaches a provider), and hop-by-hop headers that describe the client's connection, not the request.
 */
const DROPPED_REQUEST_HEADERS = new Set([
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "cookie",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    // The gateway reads usage from the response, so it asks for an uncompressed body (set below).
    "accept-encoding",
]);

/** Response headers that describe the upstream connection and must not be copied to the client. */
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Query parameters that carry credentials (Gemini accepts `?key=`). */
const CREDENTIAL_QUERY_PARAMS = ["key", "api-key", "api_key"];

export interface GatewayRoute {
    provider: LlmProvider;
    /** Path and query after the provider prefix, always starting with "/". */
    rest: string;
}

/** `/anthropic/v1/messages?x=1` → {provider: "anthropic", rest: "/v1/messages?x=1"}; undefined if no known prefix. */
export function routeOf(url: string): GatewayRoute | { unknownPrefix: string } {
    const slash = url.indexOf("/", 1);
    const query = url.indexOf("?");
    const end = slash === -1 ? (query === -1 ? url.length : query) : query !== -1 && query < slash ? query : slash;
    const prefix = url.slice(1, end);
    if (!(LLM_PROVIDERS as readonly string[]).includes(prefix)) return { unknownPrefix: prefix };
    const rest = url.slice(end);
    return { provider: prefix as LlmProvider, rest: rest.startsWith("/") ? rest : `/${rest}` };
}

/** The provider URL for a route: base URL path + the route's path, credential query parameters removed. */
export function upstreamUrl(baseUrl: string, rest: string): URL {
    const base = new URL(baseUrl);
    const target = new URL(rest, "http://placeholder");
    const basePath = base.pathname.endsWith("/") ? base.pathname.slice(0, -1) : base.pathname;
    base.pathname = basePath + target.pathname;
    for (const name of CREDENTIAL_QUERY_PARAMS) target.searchParams.delete(name);
    base.search = target.searchParams.toString();
    return base;
}

/** Headers for the upstream request: the client's, minus credentials and hop-by-hop, plus the relayer's key. */
export function upstreamRequestHeaders(client: IncomingHttpHeaders, provider: LlmProvider, apiKey: string, host: string): OutgoingHttpHeaders {
    const out = headersWithout(client, DROPPED_REQUEST_HEADERS);
    const [header, value] = credentialHeader(provider, apiKey);
    out[header] = value;
    out.host = host;
    out["accept-encoding"] = "identity";
    return out;
}

/** Headers for the client's response: the provider's, minus hop-by-hop, plus `X-Accel-Buffering: no`. */
export function clientResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
    const out = headersWithout(upstream, DROPPED_RESPONSE_HEADERS);
    // Tells any buffering proxy in front of a client (nginx and friends) to pass chunks on at once (SSE).
    out["x-accel-buffering"] = "no";
    return out;
}

/** A copy of `headers` without the `dropped` ones and without those the Connection header names (hop-by-hop). */
function headersWithout(headers: IncomingHttpHeaders, dropped: ReadonlySet<string>): OutgoingHttpHeaders {
    const connectionListed = listedConnectionHeaders(headers.connection);
    const out: OutgoingHttpHeaders = {};
    for (const name in headers) {
        if (dropped.has(name) || connectionListed.has(name)) continue;
        const value = headers[name];
        if (value !== undefined) out[name] = value;
    }
    return out;
}

function listedConnectionHeaders(connection: string | string[] | undefined): Set<string> {
    if (connection === undefined) return new Set();
    const text = Array.isArray(connection) ? connection.join(",") : connection;
    return new Set(text.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0));
}

/** The model named in the URL, where the provider puts it there (Gemini models, Azure deployments). */
export function modelFromPath(provider: LlmProvider, rest: string): string | undefined {
    const path = rest.split("?")[0] ?? "";
    if (provider === "gemini") return /\/models\/([^/:]+)/.exec(path)?.[1];
    if (provider === "azure") return /\/deployments\/([^/]+)/.exec(path)?.[1];
    return undefined;
}
