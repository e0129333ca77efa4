// The one wording of every violation: "<where> (<field>): <problem>. Fix: <fix>." — so each message names
// the resource and container or rule, the field, what is wrong and how to fix it.
export function formatFinding(where: string, field: string, problem: string, fix: string): string {
    return `${where} (${field}): ${problem}. Fix: ${fix}.`;
}
