// Validation of SARIF logs against the official SARIF 2.1.0 JSON schema (the copy @microsoft/jest-sarif ships).
// The tests check every report the render writes with it (compiling the schema costs ~0.4 s, so the render
// itself does not repeat the check on every run).
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import sarifSchema from "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json";

let compiled: ValidateFunction | undefined;

/**
 * The schema is JSON Schema draft-04 (`id`, not `$id`) and one of its patterns is not valid with the `u` flag;
 * ajv 8 reads it with `$id` renamed and non-unicode regular expressions. Draft-04 keywords it uses are otherwise
 * the same in ajv's default draft.
 */
function validator(): ValidateFunction {
    if (!compiled) {
        const { $schema: _draft04, id, ...schema } = sarifSchema as Record<string, unknown>;
        const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
        addFormats(ajv);
        compiled = ajv.compile({ ...schema, $id: id } as Record<string, unknown>);
    }
    return compiled;
}

/** Problems of a SARIF log against the schema: `<json pointer> <message>`, empty when valid. */
export function sarifSchemaProblems(log: unknown): string[] {
    const validate = validator();
    if (validate(log)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
}
