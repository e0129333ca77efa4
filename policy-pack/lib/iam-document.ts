// AWS IAM policy documents as the AWS provider accepts them: a JSON string or an object, Statement as
// one object or a list, Action/Resource/Principal values as a string or a list. Normalised so policies
// never have to care which spelling the author chose.

export interface IamStatement {
    sid?: string;
    effect: string;
    actions: string[];
    notActions: string[];
    resources: string[];
    notResources: string[];
    /** Principal map, e.g. { Federated: ["arn:...:oidc-provider/..."] }; "*" becomes { AWS: ["*"] }. */
    principals: Record<string, string[]>;
    /** Condition operator → condition key → values. */
    conditions: Record<string, Record<string, string[]>>;
}

export type ParsedIamDocument = { ok: true; statements: IamStatement[] } | { ok: false; problem: string };

function list(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).map((item) => String(item));
}

function pick(record: Record<string, unknown>, key: string): unknown {
    return record[key];
}

export function parseIamDocument(document: unknown): ParsedIamDocument {
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch {
            return { ok: false, problem: "is not valid JSON" };
        }
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { ok: false, problem: "is not a JSON object" };
    const rawStatements = (parsed as Record<string, unknown>)["Statement"] ?? (parsed as Record<string, unknown>)["statements"];
    if (rawStatements === undefined) return { ok: false, problem: "has no Statement" };
    const statements = (Array.isArray(rawStatements) ? rawStatements : [rawStatements]).map((raw): IamStatement => {
        const record = (raw ?? {}) as Record<string, unknown>;
        const principalRaw = pick(record, "Principal");
        const principals: Record<string, string[]> = {};
        if (principalRaw === "*") principals["AWS"] = ["*"];
        else if (principalRaw && typeof principalRaw === "object") {
            for (const [kind, value] of Object.entries(principalRaw as Record<string, unknown>)) principals[kind] = list(value);
        }
        const conditions: Record<string, Record<string, string[]>> = {};
        for (const [operator, keys] of Object.entries((pick(record, "Condition") ?? {}) as Record<string, unknown>)) {
            conditions[operator] = {};
            for (const [key, value] of Object.entries((keys ?? {}) as Record<string, unknown>)) conditions[operator][key] = list(value);
        }
        return {
            sid: typeof record["Sid"] === "string" ? record["Sid"] : undefined,
            effect: String(record["Effect"] ?? ""),
            actions: list(record["Action"]),
            notActions: list(record["NotAction"]),
            resources: list(record["Resource"]),
            notResources: list(record["NotResource"]),
            principals,
            conditions,
        };
    });
    return { ok: true, statements };
}

/** "statement 2 (Sid ReadSecrets)" — how messages name a statement. */
export function describeStatement(statement: IamStatement, index: number): string {
    return statement.sid ? `statement ${index} (Sid ${statement.sid})` : `statement ${index}`;
}

/** Does an IAM action pattern (with * and ? wildcards, case-insensitive) match any action of `service`? */
export function actionTouchesService(action: string, service: string): boolean {
    const lower = action.toLowerCase();
    if (lower === "*") return true;
    const [prefix] = lower.split(":");
    return new RegExp(`^${prefix.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(service);
}

/**
 * Does a Resource entry reach every resource of `service`? `*` does, and so does an ARN whose resource
 * part is only a wildcard (`arn:aws:secretsmanager:*:123456789012:secret:*`, `arn:aws:kms:eu-west-1:1:key/*`).
 */
export function resourceCoversService(resource: string, service: string): boolean {
    if (resource === "*") return true;
    const parts = resource.split(":");
    if (parts.length < 6 || parts[0] !== "arn" || (parts[2] !== service && parts[2] !== "*")) return false;
    return /^(?:\*|[A-Za-z-]+[:/]\*)$/.test(parts.slice(5).join(":"));
}
