// Access to the Kubernetes API with @kubernetes/client-node: in a pod, the projected ServiceAccount token
// (in-cluster config, the token file is re-read as the kubelet rotates it); in tests and development, a
// kubeconfig file named by RELAYER_KUBECONFIG.
import fs from "node:fs";
import type * as KubeClientLibrary from "@kubernetes/client-node";
import type { ConfigurationOptions, CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi, Watch } from "@kubernetes/client-node";

export interface KubeApis {
    config: KubeConfig;
    core: CoreV1Api;
    custom: CustomObjectsApi;
    version: VersionApi;
    watch: Watch;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/** Where the API credentials come from, or why there are none (the relayer then runs without cluster context). */
export type KubeAccess = { ok: true; apis: KubeApis; source: "kubeconfig" | "in-cluster" } | { ok: false; reason: string };

// The library costs ~66 MiB RSS once loaded (more than the rest of the relayer together), so it is loaded on
// first use, only when there are credentials to use it with: a relayer without Kubernetes access never pays it.
// A synchronous require (not `await import()`): loadKubeAccess is synchronous and CommonJS is what `import()`
// compiles to here anyway. Every other module imports the library's types only.
let kubeClientLibrary: typeof KubeClientLibrary | undefined;
function kubeClient(): typeof KubeClientLibrary {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
    kubeClientLibrary ??= require("@kubernetes/client-node") as typeof KubeClientLibrary;
    return kubeClientLibrary;
}

export function loadKubeAccess(kubeconfigPath: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeAccess {
    const inCluster = kubeconfigPath === undefined && Boolean(env.KUBERNETES_SERVICE_HOST) && fs.existsSync(SERVICE_ACCOUNT_TOKEN);
    if (kubeconfigPath === undefined && !inCluster) {
        return {
            ok: false,
            reason: "not running in a cluster (no KUBERNETES_SERVICE_HOST or ServiceAccount token); fix: run the relayer in a pod with automountServiceAccountToken or a projected token, or set RELAYER_KUBECONFIG for development",
        };
    }
    const { CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi, Watch } = kubeClient();
    const config = new KubeConfig();
    const source: "kubeconfig" | "in-cluster" = kubeconfigPath !== undefined ? "kubeconfig" : "in-cluster";
    try {
        if (kubeconfigPath !== undefined) config.loadFromFile(kubeconfigPath);
        else config.loadFromCluster();
    } catch (err) {
        return { ok: false, reason: `the Kubernetes client configuration could not be loaded (${err instanceof Error ? err.message : String(err)}); fix: check RELAYER_KUBECONFIG or the ServiceAccount token mount` };
    }
    return {
        ok: true,
        source,
        apis: {
            config,
            core: config.makeApiClient(CoreV1Api),
            custom: config.makeApiClient(CustomObjectsApi),
            version: config.makeApiClient(VersionApi),
            watch: new Watch(config),
        },
    };
}

/** Per-call options that abort the API request when `signal` fires (timeouts, shutdown). */
export function abortableCall(signal: AbortSignal): ConfigurationOptions {
    return {
        middleware: [
            {
                pre: (context) => {
                    context.setSignal(signal);
                    return new (kubeClient().Observable)(Promise.resolve(context));
                },
                post: (response) => new (kubeClient().Observable)(Promise.resolve(response)),
            },
        ],
        middlewareMergeStrategy: "append",
    };
}

/** HTTP status of a failed API call, when the API server answered. */
export function apiStatus(err: unknown): number | undefined {
    // Not loaded yet means no API call was ever made, so `err` cannot be one of its ApiExceptions.
    if (kubeClientLibrary !== undefined && err instanceof kubeClientLibrary.ApiException) return err.code;
    const code = (err as { statusCode?: unknown; code?: unknown } | null)?.statusCode ?? (err as { code?: unknown } | null)?.code;
    return typeof code === "number" ? code : undefined;
}
