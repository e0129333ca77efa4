// @kubernetes/client-node costs ~66 MiB RSS once loaded (half of an idle relayer), so it must load only when the
// relayer has Kubernetes credentials to use it with. Checked in a fresh node process on the BUILT modules: this
// mocha process has long loaded the library through other suites.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { APP_DIR, ensureBuilt } from "./harness/relayer-process";

const DIST = path.join(APP_DIR, "dist");

/** Every compiled module except the entry point (which starts the relayer when loaded). */
function distModules(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return distModules(full);
        return entry.name.endsWith(".js") && full !== path.join(DIST, "main.js") ? [full] : [];
    });
}

/** Runs `script` in a fresh node with `modules` and the kube client module loaded; returns its JSON output. */
function probe(modules: string[], script: string, env: Record<string, string> = {}): Record<string, unknown> {
    const program = `
        const loaded = () => Object.keys(require.cache).some((m) => m.includes("@kubernetes/client-node"));
        for (const m of ${JSON.stringify(modules)}) require(m);
        const client = require(${JSON.stringify(path.join(DIST, "kube", "client.js"))});
        const out = { afterImports: loaded() };
        ${script}
        process.stdout.write(JSON.stringify(out));`;
    return JSON.parse(execFileSync(process.execPath, ["-e", program], { cwd: APP_DIR, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 30_000 })) as Record<string, unknown>;
}

describe("@kubernetes/client-node is loaded lazily", function () {
    this.timeout(60_000);
    let dir: string;

    before(() => {
        ensureBuilt();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-lazy-kube-"));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("no relayer module loads it at import time, and a relayer without Kubernetes credentials never loads it", () => {
        const out = probe(
            distModules(DIST),
            `const access = client.loadKubeAccess(undefined, {});
             out.ok = access.ok;
             out.apiStatusOfPlainError = client.apiStatus(new Error("x")) ?? null;
             out.afterNoCredentials = loaded();`,
        );
        assert.deepEqual(out, { afterImports: false, ok: false, apiStatusOfPlainError: null, afterNoCredentials: false });
    });

    it("loads it when credentials exist, and API errors are then recognised by type", () => {
        const kubeconfig = path.join(dir, "kubeconfig");
        // Never contacted: building the clients does not call the API server.
        fs.writeFileSync(
            kubeconfig,
            [
                "apiVersion: v1",
                "kind: Config",
                "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
                "users: [{name: u, user: {token: fake-test-token}}]",
                "contexts: [{name: x, context: {cluster: c, user: u}}]",
                "current-context: x",
            ].join("\n"),
        );
        const out = probe(
            [],
            `const access = client.loadKubeAccess(${JSON.stringify(kubeconfig)}, {});
             out.ok = access.ok;
             out.source = access.source;
             out.afterCredentials = loaded();
             const { ApiException } = require("@kubernetes/client-node");
             out.apiStatus = client.apiStatus(new ApiException(403, "forbidden", {}, {}));`,
        );
        assert.deepEqual(out, { afterImports: false, ok: true, source: "kubeconfig", afterCredentials: true, apiStatus: 403 });
    });
});
