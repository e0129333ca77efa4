// The pack's policies in report order, each wrapped so exemptions work the same in the pack and in the
// offline runner. This module never constructs the PolicyPack (that starts the policy server).
import { withExemptions } from "../lib/exemptions";
import type { PackPolicy } from "../lib/policy-types";
import { awsIamLeastPrivilege } from "./aws-iam-least-privilege";
import { awsIamWebIdentityTrust } from "./aws-iam-web-identity-trust";
import { awsKmsKeyRotation } from "./aws-kms-key-rotation";
import { awsSecretsManagerCmk } from "./aws-secretsmanager-cmk";
import { cloudflareAccessPolicy } from "./cloudflare-access-policy";
import { cloudflareTunnelHostnamesCovered } from "./cloudflare-tunnel-hostnames-covered";
import { containerCapabilities } from "./container-capabilities";
import { containerNoPrivilegeEscalation } from "./container-no-privilege-escalation";
import { containerNotPrivileged } from "./container-not-privileged";
import { containerProbes } from "./container-probes";
import { containerReadOnlyRootFilesystem } from "./container-read-only-root-filesystem";
import { containerResources } from "./container-resources";
import { imageNoLatestTag } from "./image-no-latest-tag";
import { imagePinnedByDigest } from "./image-pinned-by-digest";
import { imageRegistryAllowed } from "./image-registry-allowed";
import { namespacePodSecurity } from "./namespace-pod-security";
import { networkPolicyCoverage } from "./network-policy-coverage";
import { networkPolicyEgressPrivateRanges } from "./network-policy-egress-private-ranges";
import { noLiteralCredentials } from "./no-literal-credentials";
import { noLiteralKubernetesSecret } from "./no-literal-kubernetes-secret";
import { pdbCoverage } from "./pdb-coverage";
import { podEmptyDirSizeLimit } from "./pod-emptydir-size-limit";
import { podNoHostAccess } from "./pod-no-host-access";
import { podRestrictedVolumeTypes } from "./pod-restricted-volume-types";
import { podRunAsNonRoot } from "./pod-run-as-non-root";
import { podSeccompProfile } from "./pod-seccomp-profile";
import { podServiceAccount } from "./pod-service-account";
import { makePolicyExemptionsValid } from "./policy-exemptions-valid";
import { rbacBindingRestricted } from "./rbac-binding-restricted";
import { rbacClusterRoleReadOnly } from "./rbac-cluster-role-read-only";
import { rbacNoEscalationVerbs } from "./rbac-no-escalation-verbs";
import { rbacNoWildcards } from "./rbac-no-wildcards";
import { rbacSecretsAccess } from "./rbac-secrets-access";
import { serviceTypeRestricted } from "./service-type-restricted";
import { vaultKubernetesRoleBound } from "./vault-kubernetes-role-bound";
import { vaultPolicyLeastPrivilege } from "./vault-policy-least-privilege";
import { workloadMinReplicas } from "./workload-min-replicas";

/** The policies as written, before exemption handling. */
const basePolicies: readonly PackPolicy[] = [
    // Workloads
    imagePinnedByDigest,
    imageNoLatestTag,
    imageRegistryAllowed,
    podRunAsNonRoot,
    containerNoPrivilegeEscalation,
    containerCapabilities,
    containerReadOnlyRootFilesystem,
    podSeccompProfile,
    containerNotPrivileged,
    podNoHostAccess,
    podRestrictedVolumeTypes,
    podEmptyDirSizeLimit,
    containerResources,
    containerProbes,
    podServiceAccount,
    namespacePodSecurity,
    // Network
    networkPolicyCoverage,
    networkPolicyEgressPrivateRanges,
    serviceTypeRestricted,
    // RBAC
    rbacNoWildcards,
    rbacSecretsAccess,
    rbacNoEscalationVerbs,
    rbacBindingRestricted,
    rbacClusterRoleReadOnly,
    // Availability
    pdbCoverage,
    workloadMinReplicas,
    // Secrets hygiene
    noLiteralCredentials,
    noLiteralKubernetesSecret,
    // Cloud
    awsIamLeastPrivilege,
    awsIamWebIdentityTrust,
    awsSecretsManagerCmk,
    awsKmsKeyRotation,
    vaultPolicyLeastPrivilege,
    vaultKubernetesRoleBound,
    cloudflareAccessPolicy,
    cloudflareTunnelHostnamesCovered,
];

/** Everything the pack runs: every policy honouring exemptions, plus the exemption checker itself. */
export const packPolicies: readonly PackPolicy[] = [
    ...basePolicies.map(withExemptions),
    makePolicyExemptionsValid(basePolicies.map((policy) => policy.name)),
];
