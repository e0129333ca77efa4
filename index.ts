// Composition root of the Pulumi program: config → explicit providers → components → stack outputs.
// Nothing here computes; every decision lives in components/config.ts or a component's pure builders.
// Pulumi calls the exported function and uses its result as the stack outputs (the tests and the offline render
// call it the same way after installing mocks and config).
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import { configValueKeepingSecrecy, loadStackConfig, secretConfig } from "./components/config";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import * as cloudflare from "@pulumi/cloudflare";
import { CloudflareEdge } from "./components/edge/cloudflare-edge";
import { edgePlanFromSettings } from "./components/edge/settings";
import { SecretStore } from "./components/secrets/secret-store";
import { llmApiKeyConfigKey } from "./components/secrets/settings";
import { storeOptionsFromSettings } from "./components/secrets/store-options";
import { relayerLabels, RelayerNamespace, RelayerWorkload, workloadSettingsFromConfig } from "./components/workload";

export = async function main() {
    // Validates every setting first: an invalid stack fails here, listing all problems, before any resource exists.
    const cfg = loadStackConfig();

    // The one Kubernetes provider: kubeconfig and context from config (never the ambient ~/.kube/config), and a
    // stable cluster identity so a rotated kubeconfig updates the provider instead of replacing every object.
    const kubernetes = new k8s.Provider("kubernetes", {
        kubeconfig: configValueKeepingSecrecy(cfg, "kubeconfig"),
        context: cfg.kubeContext,
        clusterIdentifier: cfg.clusterIdentifier ?? cfg.clusterName,
        enableServerSideApply: true,
    });

    // The repository root is the image's build context (relayer-app/Dockerfile installs the root package-lock.json).
    const workloadSettings = workloadSettingsFromConfig(cfg, __dirname);
    const dockerBuildProvider = "build" in workloadSettings.image ? new dockerBuild.Provider("docker-build", {}) : undefined;

    // The namespace comes first: the secret store delivers its Secrets into it before the workload mounts them.
    const namespace = new RelayerNamespace("relayer", {
        name: workloadSettings.namespace,
        create: workloadSettings.createNamespace,
        podSecurityVersion: workloadSettings.podSecurityVersion,
        provider: kubernetes,
    });

    // --- edge (issue 4): tunnel + Access in front of the backend; off (dev) = the relayer dials backendUrl directly. ---
    const edgePlan = edgePlanFromSettings(cfg, cfg);
    const edge = edgePlan
        ? new CloudflareEdge("edge", {
              stack: cfg.stack,
              plan: edgePlan,
              providers: {
                  // API token from secret config, else the provider reads CLOUDFLARE_API_TOKEN (never a plain value).
                  cloudflare: new cloudflare.Provider("cloudflare", cfg.cloudflareApiToken !== undefined ? { apiToken: secretConfig("cloudflareApiToken") } : {}),
                  kubernetes,
              },
          })
        : undefined;
    // config.ts guarantees backendUrl is set whenever the edge is off.
    const backendUrl = edge ? edge.backendUrl : (cfg.backendUrl ?? "");

    // --- secrets (issue 3): the store, its explicit providers, and the Secrets the workload mounts. ---
    const storeOptions = storeOptionsFromSettings(cfg);
    const secretStore = new SecretStore("secrets", {
        ...storeOptions,
        // An Output of the Namespace resource: the store's Secrets are created after the namespace exists.
        namespace: namespace.name,
        llm: storeOptions.llm.map((l) => ({ ...l, apiKey: l.source === "config" ? secretConfig(llmApiKeyConfigKey(l.provider)) : undefined })),
        // The edge's service token and tunnel token go to the store only (never to outputs or the workload's env).
        cloudflare: edge?.secretsForStore,
        labels: { ...relayerLabels("relayer"), "app.kubernetes.io/component": "secrets" },
        providers: {
            kubernetes,
            random: new random.Provider("random"),
            // Vault: address and Enterprise namespace from config; the token comes from VAULT_TOKEN (never config).
            vault: storeOptions.vault ? new vault.Provider("vault", { address: storeOptions.vault.address, namespace: storeOptions.vault.namespace }) : undefined,
            // AWS: region from config and refuse any other account than the configured one.
            aws: storeOptions.aws ? new aws.Provider("aws", { region: storeOptions.aws.region as aws.Region, allowedAccountIds: [storeOptions.aws.accountId] }) : undefined,
        },
    });
    const secretNames = secretStore.secretNames;
    const secretsVersion = String(cfg.secretsVersion);

    const relayer = new RelayerWorkload("relayer", {
        settings: workloadSettings,
        namespace,
        providers: { kubernetes, dockerBuild: dockerBuildProvider },
        backendUrl,
        secretNames,
        secretsVersion,
        imageRegistryPassword: cfg.imageRegistryPassword !== undefined ? secretConfig("imageRegistryPassword") : undefined,
    });

    // Stack outputs: names and addresses only, never a secret value.
    return {
        namespace: relayer.namespace,
        serviceName: relayer.serviceName,
        serviceDnsName: relayer.serviceDnsName,
        ports: relayer.ports,
        imageRef: relayer.imageRef,
        // Where the secrets live (kind, Vault paths or Secrets Manager ARNs, names): never a value.
        secretsStoreKind: secretStore.storeKind,
        secretsStoreReferences: secretStore.storeReferences,
        secretsClusterSecretStore: secretStore.clusterSecretStoreName,
        secretsKubernetesSecrets: secretStore.secretNames,
        ...(secretStore.kmsKeyArn ? { secretsKmsKeyArn: secretStore.kmsKeyArn } : {}),
        ...(secretStore.externalSecretsRoleArn ? { secretsExternalSecretsRoleArn: secretStore.externalSecretsRoleArn } : {}),
        ...(secretStore.vaultPolicyName ? { secretsVaultPolicy: secretStore.vaultPolicyName, secretsVaultRole: secretStore.vaultRoleName } : {}),
        // Edge: tunnel id, hostname, Access application id + audience tag, service token id + expiry; never a credential.
        ...(edge ? edge.stackOutputs() : {}),
    };
};
