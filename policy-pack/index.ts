// Assembles the pack; every policy lives in policies/. Run with `pulumi preview --policy-pack policy-pack`.
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "./policies";

new PolicyPack("consonant-security", {
    description: "Consonant security guide: hardened workloads, network isolation, least-privilege RBAC and cloud identities, secrets hygiene.",
    policies: [...packPolicies],
});
