// A local fake KAgent controller (127.0.0.1): serves A2A JSON-RPC 2.0 at /api/a2a/<namespace>/<agent>/ as
// kagent's A2A handler mux does, validates `message/send` requests against the A2A 0.3 shape, and answers with a
// Task (artifacts + status), a Message, an error or a failure depending on the agent's configured behaviour.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type AgentBehaviour = { reply: "task" | "message"; text: string; delayMs?: number } | { reply: "http-500" } | { reply: "jsonrpc-error"; message: string } | { reply: "task-failed"; text: string };

export interface FakeKagent {
    url: string;
    /** Agents by "namespace/name". */
    agents: Map<string, AgentBehaviour>;
    /** Every A2A request received (path and parsed body). */
    requests: { path: string; body: unknown }[];
    /** Shape problems found in requests (must stay empty). */
    problems: string[];
    maxConcurrent: number;
    stop(): Promise<void>;
}

export async function startFakeKagent(): Promise<FakeKagent> {
    const sockets = new Set<Socket>();
    let inFlight = 0;
    const fake: FakeKagent = {
        url: "",
        agents: new Map(),
        requests: [],
        problems: [],
        maxConcurrent: 0,
        async stop() {
            for (const s of sockets) s.destroy();
            await new Promise<void>((r) => server.close(() => r()));
        },
    };
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const m = /^\/api\/a2a\/([^/]+)\/([^/]+)\/?$/.exec(req.url ?? "");
            let body: { jsonrpc?: string; id?: unknown; method?: string; params?: { message?: { role?: string; kind?: string; messageId?: string; parts?: { kind?: string; text?: string }[] } } } = {};
            try {
                body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
                fake.problems.push("body is not JSON");
            }
            fake.requests.push({ path: req.url ?? "", body });
            if (req.method !== "POST") fake.problems.push(`method ${req.method}`);
            if (body.jsonrpc !== "2.0") fake.problems.push("jsonrpc is not 2.0");
            if (body.method !== "message/send") fake.problems.push(`method ${body.method}`);
            const msg = body.params?.message;
            if (msg?.role !== "user" || msg.kind !== "message" || typeof msg.messageId !== "string" || msg.parts?.[0]?.kind !== "text" || typeof msg.parts?.[0]?.text !== "string") {
                fake.problems.push("params.message is not an A2A user text message");
            }
            const agent = m ? fake.agents.get(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`) : undefined;
            if (!m || !agent) {
                res.writeHead(404, { "content-type": "text/plain" });
                res.end("Agent not found\n");
                return;
            }
            inFlight += 1;
            fake.maxConcurrent = Math.max(fake.maxConcurrent, inFlight);
            // In flight until answered or until the caller gives up (an aborted request closes the response).
            res.once("close", () => (inFlight -= 1));
            const answer = (): void => {
                if (res.destroyed) return;
                const send = (status: number, payload: unknown) => {
                    const text = JSON.stringify(payload);
                    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
                    res.end(text);
                };
                if (agent.reply === "http-500") return send(500, { error: "controller failure" });
                if (agent.reply === "jsonrpc-error") return send(200, { jsonrpc: "2.0", id: body.id, error: { code: -32603, message: agent.message } });
                if (agent.reply === "message") return send(200, { jsonrpc: "2.0", id: body.id, result: { kind: "message", role: "agent", messageId: "m-fake", parts: [{ kind: "text", text: agent.text }] } });
                const state = agent.reply === "task-failed" ? "failed" : "completed";
                return send(200, {
                    jsonrpc: "2.0",
                    id: body.id,
                    result: {
                        kind: "task",
                        id: "task-fake-1",
                        contextId: "ctx-fake-1",
                        status: { state, message: { kind: "message", role: "agent", messageId: "s-1", parts: [{ kind: "text", text: `status: ${agent.text}` }] } },
                        artifacts: state === "completed" ? [{ artifactId: "a-1", parts: [{ kind: "text", text: agent.text }] }] : [],
                    },
                });
            };
            const delay = "delayMs" in agent ? (agent.delayMs ?? 0) : 0;
            if (delay > 0) setTimeout(answer, delay);
            else answer();
        });
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
}
