// `consonant:edge:CloudflareEdge`: publishes the backend hostname through a remotely managed Cloudflare Tunnel
// (no inbound port on the backend side) behind a Cloudflare Access application that admits only relayers with
// the service token and, optionally, people who passed MFA. Only wires resources; the documents are built by
// tunnel-config.ts, access.ts and connector-manifests.ts.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as k8s from "@pulumi/kubernetes";
import {
    accessApplicationArgs,
    PEOPLE_POLICY_PRECEDENCE,
    peoplePolicyArgs,
    RELAYER_POLICY_PRECEDENCE,
    relayerPolicyArgs,
    serviceTokenArgs,
    tunnelDnsRecordArgs,
} from "./access";
import { CloudflaredConnector } from "./cloudflared-connector";
import { TUNNEL_TOKEN_SECRET } from "./connector-manifests";
import { serviceTokenVersion, tunnelTokenVersion } from "./rotation";
import { EdgePlan } from "./settings";
import { buildTunnelConfig, tunnelCnameTarget } from "./tunnel-config";
import type { CloudflareSecretsInput } from "../secrets/secret-store";

export interface CloudflareEdgeArgs {
    /** Stack name: part of every Cloudflare object name, so several stacks can share one account. */
    stack: string;
    /** The validated edge settings (`edgePlanFromSettings`). */
    plan: EdgePlan;
    /** Explicit providers; `kubernetes` is required when the plan deploys the connector. */
    providers: { cloudflare: cloudflare.Provider; kubernetes?: k8s.Provider };
}

export class CloudflareEdge extends pulumi.ComponentResource {
    public readonly tunnelId: pulumi.Output<string>;
    public readonly hostname: pulumi.Output<string>;
    /** `wss://<hostname>`: the relayer's backend URL when the edge is on. */
    public readonly backendUrl: pulumi.Output<string>;
    public readonly accessApplicationId: pulumi.Output<string>;
    /** Audience (`aud`) tag of the Access application; the backend may verify Access JWTs against it. */
    public readonly accessAudienceTag: pulumi.Output<string>;
    public readonly serviceTokenId: pulumi.Output<string>;
    public readonly serviceTokenExpiresAt: pulumi.Output<string>;
    /**
     * The credentials this edge mints, for the secret store only: the service token's client id and secret and
     * the tunnel token (each a Pulumi secret), their versions, and where the connector reads its token.
     */
    public readonly secretsForStore: CloudflareSecretsInput;
    public readonly connector?: CloudflaredConnector;

    constructor(name: string, args: CloudflareEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("consonant:edge:CloudflareEdge", name, {}, opts);
        const { plan, stack } = args;
        const kubernetesProvider = args.providers.kubernetes;
        if (plan.connector && !kubernetesProvider) {
            // Checked before anything is registered, so a wiring mistake never leaves half an edge behind.
            throw new Error(
                `CloudflareEdge '${name}': the connector needs providers.kubernetes; fix: pass the cluster's provider, or set cloudflareConnectorEnabled false`,
            );
        }
        const cf = { parent: this, provider: args.providers.cloudflare };
        const objectName = `consonant-relayer-${stack}`;

        const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
            `${name}-tunnel`,
            { accountId: plan.accountId, name: objectName, configSrc: "cloudflare" },
            cf,
        );

        const serviceToken = new cloudflare.ZeroTrustAccessServiceToken(
            `${name}-service-token`,
            serviceTokenArgs({
                accountId: plan.accountId,
                name: `${objectName}-relayers`,
                duration: plan.serviceToken.duration,
                version: plan.serviceToken.version,
                previousSecretExpiresAt: plan.serviceToken.previousSecretExpiresAt,
            }),
            // The client id and secret must never reach state outputs in plaintext.
            { ...cf, additionalSecretOutputs: ["clientId", "clientSecret"] },
        );

        const relayerPolicy = new cloudflare.ZeroTrustAccessPolicy(
            `${name}-relayer-policy`,
            relayerPolicyArgs({ accountId: plan.accountId, name: `${objectName} relayers`, serviceTokenId: serviceToken.id }),
            cf,
        );
        const policies = [{ id: relayerPolicy.id, precedence: RELAYER_POLICY_PRECEDENCE }];
        if (plan.people) {
            const peoplePolicy = new cloudflare.ZeroTrustAccessPolicy(
                `${name}-people-policy`,
                peoplePolicyArgs({
                    accountId: plan.accountId,
                    name: `${objectName} people (MFA)`,
                    sessionDuration: plan.sessionDuration,
                    people: plan.people,
                }),
                cf,
            );
            policies.push({ id: peoplePolicy.id, precedence: PEOPLE_POLICY_PRECEDENCE });
        }

        const application = new cloudflare.ZeroTrustAccessApplication(
            `${name}-application`,
            accessApplicationArgs({
                accountId: plan.accountId,
                name: objectName,
                hostname: plan.hostname,
                sessionDuration: plan.sessionDuration,
                policies,
                allowedIdps: plan.allowedIdps,
            }),
            cf,
        );

        new cloudflare.ZeroTrustTunnelCloudflaredConfig(
            `${name}-tunnel-config`,
            {
                accountId: plan.accountId,
                tunnelId: tunnel.id,
                source: "cloudflare",
                config: buildTunnelConfig({
                    hostname: plan.hostname,
                    originService: plan.originService,
                    accessAudTag: application.aud,
                    teamName: plan.teamName,
                }),
            },
            cf,
        );

        new cloudflare.DnsRecord(
            `${name}-dns`,
            tunnelDnsRecordArgs({ zoneId: plan.zoneId, hostname: plan.hostname, target: tunnel.id.apply(tunnelCnameTarget) }),
            cf,
        );

        this.tunnelId = tunnel.id;
        this.hostname = pulumi.output(plan.hostname);
        this.backendUrl = pulumi.output(`wss://${plan.hostname}`);
        this.accessApplicationId = application.id;
        this.accessAudienceTag = application.aud;
        this.serviceTokenId = serviceToken.id;
        this.serviceTokenExpiresAt = serviceToken.expiresAt;

        if (plan.connector && kubernetesProvider) {
            this.connector = new CloudflaredConnector(
                `${name}-connector`,
                { ...plan.connector, provider: kubernetesProvider },
                { parent: this },
            );
        }
        // The data source result is plain in state unless wrapped: wrap before anything else can touch it.
        const token = pulumi.secret(
            cloudflare.getZeroTrustTunnelCloudflaredTokenOutput(
                { accountId: plan.accountId, tunnelId: tunnel.id },
                { parent: this, provider: args.providers.cloudflare },
            ).token,
        );
        this.secretsForStore = {
            accessClientId: pulumi.secret(serviceToken.clientId),
            accessClientSecret: pulumi.secret(serviceToken.clientSecret),
            // Changes on a rotation (clientSecretVersion) or a replacement (new id): the store rewrites its copy.
            accessTokenVersion: serviceToken.id.apply((id) => serviceTokenVersion(id, plan.serviceToken.version)),
            tunnelToken: token,
            tunnelTokenVersion: tunnel.id.apply(tunnelTokenVersion),
            ...(this.connector
                ? { connectorTokenSecret: { namespace: this.connector.namespace, name: TUNNEL_TOKEN_SECRET.name, key: TUNNEL_TOKEN_SECRET.key } }
                : {}),
        };

        this.registerOutputs({
            tunnelId: this.tunnelId,
            hostname: this.hostname,
            accessApplicationId: this.accessApplicationId,
            accessAudienceTag: this.accessAudienceTag,
            serviceTokenId: this.serviceTokenId,
            serviceTokenExpiresAt: this.serviceTokenExpiresAt,
        });
    }

    /** The stack outputs of the edge: identifiers and dates only, never a credential. */
    public stackOutputs(): Record<string, pulumi.Output<string>> {
        return {
            cloudflareTunnelId: this.tunnelId,
            cloudflareHostname: this.hostname,
            accessApplicationId: this.accessApplicationId,
            accessAudienceTag: this.accessAudienceTag,
            accessServiceTokenId: this.serviceTokenId,
            accessServiceTokenExpiresAt: this.serviceTokenExpiresAt,
        };
    }
}
