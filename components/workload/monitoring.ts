// Prometheus Operator objects for the relayer: what to scrape and which conditions page someone.

/** ServiceMonitor spec: scrape the Service's `metrics` port in the relayer's namespace. */
export function relayerServiceMonitorSpec(args: { namespace: string; selector: Record<string, string> }) {
    return {
        selector: { matchLabels: { ...args.selector } },
        namespaceSelector: { matchNames: [args.namespace] },
        endpoints: [{ port: "metrics", path: "/metrics", scheme: "http", interval: "30s", scrapeTimeout: "10s" }],
    };
}

/** One Prometheus alerting rule. */
export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "critical" | "warning" };
    annotations: { summary: string; description: string; runbook: string };
}

/** PrometheusRule spec with the relayer's alerts; `service` is the relayer Service name (the `service` label). */
export function relayerPrometheusRuleSpec(args: { namespace: string; service: string }) {
    const sel = `namespace="${args.namespace}"`;
    const svc = `${sel},service="${args.service}"`;
    const rules: AlertRule[] = [
        {
            alert: "ConsonantRelayerDown",
            expr: `sum(up{${svc}}) == 0 or absent(up{${svc}})`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "No Consonant Relayer replica is being scraped",
                description: `No relayer in ${args.namespace} has answered /metrics for 5 minutes: agents' telemetry is not being accepted.`,
                runbook: `kubectl -n ${args.namespace} get pods -l app.kubernetes.io/name=consonant-relayer; kubectl -n ${args.namespace} describe pods`,
            },
        },
        {
            alert: "ConsonantRelayerUplinkDisconnected",
            expr: `max by (pod) (relayer_uplink_state{${sel},state="connected"}) == 0`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "A relayer replica has had no backend session for 5 minutes",
                description: "Telemetry is spooling locally and backend commands cannot reach this replica.",
                runbook: "Check the replica's logs for uplink errors, DNS/egress to the backend, and Cloudflare Access credentials.",
            },
        },
        {
            alert: "ConsonantRelayerSpoolGrowing",
            expr: `deriv(relayer_spool_bytes{${sel}}[15m]) > 0 and relayer_spool_oldest_age_seconds{${sel}} > 600`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A relayer's spool keeps growing",
                description: "The backend is not acknowledging batches as fast as they arrive; the spool will reach its cap and ingest will be refused.",
                runbook: "Check the uplink (acks, nacks, round trip) and the backend's health.",
            },
        },
        {
            alert: "ConsonantRelayerCircuitBreakerOpen",
            expr: `max by (pod, breaker) (relayer_circuit_breaker_open{${sel}}) == 1`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A relayer circuit breaker has been open for 5 minutes",
                description: "A dependency (an LLM provider or the KAgent controller) keeps failing; calls to it are refused.",
                runbook: "Check the named dependency's status and the relayer's egress to it.",
            },
        },
        {
            alert: "ConsonantRelayerAuthenticationFailures",
            expr: `sum by (pod) (increase(relayer_uplink_auth_failures_total{${sel}}[10m])) > 0`,
            for: "0m",
            labels: { severity: "critical" },
            annotations: {
                summary: "The backend rejected a relayer's credentials",
                description: "The cluster credentials or the Cloudflare Access service token were refused (HTTP 401/403).",
                runbook: "Verify the secret store values and their sync (ExternalSecret status); rotate per docs/secrets.md.",
            },
        },
    ];
    return { groups: [{ name: "consonant-relayer", rules }] };
}
