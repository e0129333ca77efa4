// Kubernetes label selectors (metav1.LabelSelector): matchLabels AND every matchExpressions entry.
// An empty selector `{}` selects everything; an absent (null) selector selects nothing — the same
// semantics the API server uses for NetworkPolicy podSelector/namespaceSelector and PDB selectors.

export interface LabelSelectorRequirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | string;
    values?: string[];
}

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: LabelSelectorRequirement[];
}

export function selectorMatches(selector: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
    if (selector === null || selector === undefined) return false;
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[key] !== value) return false;
    }
    for (const requirement of selector.matchExpressions ?? []) {
        if (!requirementMatches(requirement, labels)) return false;
    }
    return true;
}

function requirementMatches(requirement: LabelSelectorRequirement, labels: Record<string, string>): boolean {
    const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
        case "In":
            return has && values.includes(labels[requirement.key]);
        case "NotIn":
            return !has || !values.includes(labels[requirement.key]);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        default:
            // The API server rejects unknown operators, so such a selector selects nothing.
            return false;
    }
}

/**
 * Finds the selectors that may select a label set without scanning all of them: each selector is filed
 * under one of its matchLabels pairs (or in a "no matchLabels" bucket); a lookup only evaluates the
 * buckets of the pod's own label pairs. Stack policies stay linear in the number of resources.
 */
export class SelectorIndex<T> {
    private readonly byPair = new Map<string, T[]>();
    private readonly withoutLabels: T[] = [];

    constructor(private readonly selectorOf: (item: T) => LabelSelector | null | undefined) {}

    add(item: T): void {
        const first = Object.entries(this.selectorOf(item)?.matchLabels ?? {})[0];
        if (!first) {
            this.withoutLabels.push(item);
            return;
        }
        const key = `${first[0]}=${first[1]}`;
        const bucket = this.byPair.get(key);
        if (bucket) bucket.push(item);
        else this.byPair.set(key, [item]);
    }

    /** Every indexed item whose selector selects `labels`, in insertion order per bucket. */
    matching(labels: Record<string, string>): T[] {
        const found: T[] = [];
        const consider = (items: readonly T[] | undefined) => {
            for (const item of items ?? []) if (selectorMatches(this.selectorOf(item), labels)) found.push(item);
        };
        consider(this.withoutLabels);
        for (const [key, value] of Object.entries(labels)) consider(this.byPair.get(`${key}=${value}`));
        return found;
    }
}
