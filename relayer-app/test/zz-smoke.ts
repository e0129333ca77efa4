import { startFakeBackend, testCluster } from "./fake-backend/fake-backend";
import { startRelayerProcess } from "./harness/relayer-process";
import { traceRequest, postOtlp, GrpcTraceClient } from "./harness/otlp-client";
import { spansOf } from "./fake-backend/otlp-decode";
(async () => {
  const cluster = testCluster();
  const backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
  const relayer = await startRelayerProcess({ backendUrl: backend.url, secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token } });
  const r = traceRequest(5);
  console.log("http", (await postOtlp(relayer.ports.http, "/v1/traces", r.body)).status);
  const g = new GrpcTraceClient(relayer.ports.grpc); const r2 = traceRequest(3);
  console.log("grpc", await g.export(r2.body)); g.close();
  await backend.waitFor(() => spansOf(backend.received("relayer-test-0")).length === 8, 10000, "8 spans");
  console.log("spans ok", backend.lastSeq("relayer-test-0"));
  console.log("exit", await relayer.stop());
  console.log(relayer.lines.slice(-8).join("\n"));
  await backend.stop(); relayer.removeDirs();
})().catch(e => { console.error(e); process.exit(1); });
