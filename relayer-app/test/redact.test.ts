// The one redaction module: by key and by value pattern, through the real pino logger.
import { strict as assert } from "node:assert";
import { createLogger } from "../src/log/logger";
import { redactDeep, redactText } from "../src/log/redact";

// Vendor-shaped values are assembled at run time so no credential-looking literal is committed.
const openAiShaped = ["sk", "proj", "A1b2C3d4E5f6G7h8I9j0K1l2"].join("-");
const googleShaped = "AI" + "za" + "Sy" + "A".repeat(33);
const awsShaped = "AK" + "IA" + "ABCDEFGHIJKLMNOP";
const jwtShaped = ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "c2lnbmF0dXJlLXBhcnQ"].join(".");

describe("redaction", () => {
    it("redacts bearer tokens, API-key formats, JWTs, key=value secrets and emails inside free text", () => {
        const text = `auth Bearer abcdefghijklmnop key ${openAiShaped} g ${googleShaped} a ${awsShaped} jwt ${jwtShaped} api_key=plainvalue123 mail jane.doe@example.com`;
        const out = redactText(text);
        for (const secret of ["abcdefghijklmnop", openAiShaped, googleShaped, awsShaped, jwtShaped, "plainvalue123", "jane.doe@example.com"]) {
            assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
        }
        assert.match(out, /Bearer \[REDACTED\]/);
        assert.match(out, /\[EMAIL\]/);
    });

    it("redacts IP addresses only when configured", () => {
        assert.equal(redactText("from 10.1.2.3"), "from 10.1.2.3");
        assert.equal(redactText("from 10.1.2.3 and fe80::1", { ips: true }), "from [IP] and [IP]");
    });

    it("redacts by key at any depth and turns errors into plain redacted objects", () => {
        const out = redactDeep({ headers: { Authorization: "x", "x-api-key": "y", accept: "json" }, nested: [{ clientSecret: "z", password: "p" }], err: new Error(`failed with ${openAiShaped}`) }) as { headers: unknown; nested: unknown };
        assert.deepEqual(out.headers, { Authorization: "[REDACTED]", "x-api-key": "[REDACTED]", accept: "json" });
        assert.deepEqual(out.nested, [{ clientSecret: "[REDACTED]", password: "[REDACTED]" }]);
        assert.ok(!JSON.stringify(out).includes(openAiShaped));
    });

    it("applies to every line the pino logger writes (objects and messages)", () => {
        const lines: string[] = [];
        const log = createLogger({ level: "info", redactIps: true, destination: { write: (line: string) => void lines.push(line) } });
        log.info({ token: "t0ps3cret", user: "jane@example.com", peer: "192.168.1.20" }, `message with ${openAiShaped}`);
        log.error({ err: new Error(`boom Bearer ${openAiShaped}`) }, "failed");
        const all = lines.join("\n");
        for (const leaked of ["t0ps3cret", "jane@example.com", "192.168.1.20", openAiShaped]) assert.ok(!all.includes(leaked), `${leaked} leaked`);
        assert.equal(JSON.parse(lines[0]).level, "info");
    });
});
