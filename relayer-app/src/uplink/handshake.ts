// Pure construction of the signed handshake headers (PROTOCOL.md, "Connection").
import { createHmac, randomBytes } from "node:crypto";

export interface HandshakeCredentials {
    clusterId: string;
    clusterToken: string;
    accessClientId?: string;
    accessClientSecret?: string;
}

export function signHandshake(token: string, cluster: string, replica: string, timestamp: string, nonce: string): string {
    return createHmac("sha256", Buffer.from(token, "utf8")).update(`v1\n${cluster}\n${replica}\n${timestamp}\n${nonce}`).digest("hex");
}

export function handshakeHeaders(
    credentials: HandshakeCredentials,
    replica: string,
    version: string,
    now: number = Date.now(),
    nonce: string = randomBytes(16).toString("hex"),
): Record<string, string> {
    const timestamp = String(now);
    const headers: Record<string, string> = {
        "X-Consonant-Cluster": credentials.clusterId,
        "X-Consonant-Replica": replica,
        "X-Consonant-Timestamp": timestamp,
        "X-Consonant-Nonce": nonce,
        "X-Consonant-Signature": signHandshake(credentials.clusterToken, credentials.clusterId, replica, timestamp, nonce),
        "User-Agent": `consonant-relayer/${version}`,
    };
    if (credentials.accessClientId && credentials.accessClientSecret) {
        headers["CF-Access-Client-Id"] = credentials.accessClientId;
        headers["CF-Access-Client-Secret"] = credentials.accessClientSecret;
    }
    return headers;
}
