// A throwaway self-signed certificate for 127.0.0.1, made at test time with the openssl CLI (nothing
// certificate- or key-shaped is committed). The relayer trusts it through NODE_EXTRA_CA_CERTS, as an operator
// would add a private CA.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface TestTls {
    key: string;
    cert: string;
    certPath: string;
}

export function makeTestTls(dir: string): TestTls {
    const keyPath = path.join(dir, "test-key.pem");
    const certPath = path.join(dir, "test-cert.pem");
    execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        { stdio: "pipe" },
    );
    return { key: fs.readFileSync(keyPath, "utf8"), cert: fs.readFileSync(certPath, "utf8"), certPath };
}
