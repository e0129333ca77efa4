// Everything a feature of the relayer needs, built once by main.ts.
import type { Logger } from "pino";
import type { RelayerConfig } from "./config";
import type { RelayerMetrics } from "./metrics";
import type { SecretFiles } from "./secrets/secret-files";
import type { Spool } from "./spool/spool";
import type { StatusRegistry } from "./status";
import type { Uplink } from "./uplink/uplink";

export interface RelayerContext {
    config: RelayerConfig;
    log: Logger;
    metrics: RelayerMetrics;
    spool: Spool;
    uplink: Uplink;
    secrets: SecretFiles;
    status: StatusRegistry;
    /** Epoch ms of process start. */
    startedAt: number;
    version: string;
}
