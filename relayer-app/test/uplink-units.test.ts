// Pure parts of the uplink: handshake signature, backoff schedule, frame encoding and message parsing.
import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import { BACKOFF_AUTH_CAP_MS, BACKOFF_CAP_MS, backoffDelayMs } from "../src/uplink/backoff";
import { encodeBatchHeader, parseBackendMessage } from "../src/uplink/frames";
import { handshakeHeaders } from "../src/uplink/handshake";

describe("uplink protocol units", () => {
    it("signs v1\\n<cluster>\\n<replica>\\n<timestamp>\\n<nonce> with HMAC-SHA256 keyed by the cluster token", () => {
        const token = `fake-${"t".repeat(40)}`;
        const headers = handshakeHeaders({ clusterId: "c-1", clusterToken: token }, "relayer-0", "1.2.3", 1_700_000_000_000, "0123456789abcdef0123456789abcdef");
        const expected = createHmac("sha256", token).update("v1\nc-1\nrelayer-0\n1700000000000\n0123456789abcdef0123456789abcdef").digest("hex");
        assert.equal(headers["X-Consonant-Signature"], expected);
        assert.equal(headers["X-Consonant-Timestamp"], "1700000000000");
        assert.equal(headers["User-Agent"], "consonant-relayer/1.2.3");
        assert.equal(headers["CF-Access-Client-Id"], undefined);
        const fresh = handshakeHeaders({ clusterId: "c", clusterToken: token, accessClientId: "id", accessClientSecret: "s" }, "r", "1.0.0");
        assert.match(fresh["X-Consonant-Nonce"], /^[0-9a-f]{32}$/);
        assert.equal(fresh["CF-Access-Client-Secret"], "s");
    });

    it("backs off with full jitter: 1 s ×2 capped at 60 s, 5 min after 401/403", () => {
        assert.equal(backoffDelayMs(0, false, () => 0.999), 999);
        assert.equal(backoffDelayMs(3, false, () => 0.5), 4000);
        assert.equal(backoffDelayMs(20, false, () => 0.999999), Math.floor(0.999999 * BACKOFF_CAP_MS));
        assert.equal(backoffDelayMs(20, true, () => 0.999999), Math.floor(0.999999 * BACKOFF_AUTH_CAP_MS));
        assert.equal(backoffDelayMs(5, false, () => 0), 0);
    });

    it("encodes the 10-byte batch header: version 1, kind, big-endian u64 seq", () => {
        assert.deepEqual([...encodeBatchHeader(3, 258)], [1, 3, 0, 0, 0, 0, 0, 0, 1, 2]);
    });

    it("parses backend messages, reporting invalid and unknown ones instead of throwing", () => {
        assert.deepEqual(parseBackendMessage('{"type":"ack","seq":5}'), { type: "ack", seq: 5 });
        assert.equal(parseBackendMessage('{"type":"welcome","session":"s","heartbeatMs":15000,"maxInFlight":32,"lastSeq":0}').type, "welcome");
        assert.deepEqual(parseBackendMessage('{"type":"close","reason":"x"}'), { type: "close", reason: "x", retryAfterMs: 0 });
        assert.equal(parseBackendMessage("nope").type, "invalid");
        assert.equal(parseBackendMessage('{"type":"ack","seq":-1}').type, "invalid");
        assert.equal(parseBackendMessage('{"type":"welcome","session":"s"}').type, "invalid");
        assert.deepEqual(parseBackendMessage('{"type":"future"}'), { type: "unknown", name: "future" });
    });
});
