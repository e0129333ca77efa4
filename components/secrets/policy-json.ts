// Deterministic serialisation of the cloud-side policy documents (Vault policy, IAM and KMS policies): the same
// document always gives the same bytes, so `pulumi preview` shows no diff unless a permission really changed.
import { sortKeysDeep } from "../../tools/render/canonical-json";

/** Compact JSON with the keys of every object sorted (array order is kept: it carries meaning). */
export function policyJson(document: unknown): string {
    return JSON.stringify(sortKeysDeep(document));
}
