// IAM and KMS policy documents of AWS mode, as typed objects. Each grants the least that works: the identity
// of External Secrets Operator may read exactly the relayer's secrets and decrypt with exactly its key, and
// only through Secrets Manager; nothing uses a `*` action or a `*` resource (the key policy's `Resource: "*"`
// is the exception AWS defines: inside a key policy it means "this key").
import { policyJson } from "./policy-json";

export interface IamStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: { AWS?: string; Federated?: string; Service?: string };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface IamPolicyDocument {
    Version: "2012-10-17";
    Statement: IamStatement[];
}

/** AWS partition of a region (`aws`, `aws-cn`, `aws-us-gov`): ARNs and service principals depend on it. */
export function awsPartition(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** DNS suffix of AWS service endpoints in a region (China regions use amazonaws.com.cn). */
export function awsDnsSuffix(region: string): string {
    return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

/** Read `secretArns` and decrypt them with `kmsKeyArn`, the latter only when the call comes from Secrets Manager. */
export function buildSecretsReadPolicy(args: { secretArns: readonly string[]; kmsKeyArn: string; region: string }): IamPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadRelayerSecrets",
                Effect: "Allow",
                Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                Resource: [...args.secretArns].sort(),
            },
            {
                Sid: "DecryptRelayerSecrets",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [args.kmsKeyArn],
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${args.region}.${awsDnsSuffix(args.region)}` } },
            },
        ],
    };
}

/** IRSA: only the given ServiceAccount of the cluster's OIDC provider, only with the STS audience. */
export function buildIrsaTrustPolicy(args: { oidcProviderArn: string; oidcIssuer: string; namespace: string; serviceAccount: string }): IamPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ExternalSecretsServiceAccount",
                Effect: "Allow",
                Principal: { Federated: args.oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${args.oidcIssuer}:aud`]: "sts.amazonaws.com",
                        [`${args.oidcIssuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                    },
                },
            },
        ],
    };
}

/**
 * EKS Pod Identity: the EKS pod-identity service of this account assumes the role; which ServiceAccount gets it
 * is decided by the PodIdentityAssociation, so the account condition stops other accounts' clusters using it.
 */
export function buildPodIdentityTrustPolicy(args: { accountId: string }): IamPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EksPodIdentity",
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
            },
        ],
    };
}

/**
 * Key policy scoped to the account: the account (its root principal) administers and uses the key, and IAM
 * policies in that account decide who else may use it (the read policy above). No other account is trusted.
 */
export function buildKmsKeyPolicy(args: { accountId: string; region: string }): IamPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministersKeyThroughIam",
                Effect: "Allow",
                Principal: { AWS: `arn:${awsPartition(args.region)}:iam::${args.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ],
    };
}

export function serializeIamPolicy(document: IamPolicyDocument): string {
    return policyJson(document);
}
