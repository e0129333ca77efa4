// Batch kinds of the uplink's binary frames (PROTOCOL.md, "Frames"): one byte in every spool record and frame.
export const BatchKind = { traces: 1, metrics: 2, logs: 3, kubeEvents: 4 } as const;

export type BatchKindValue = (typeof BatchKind)[keyof typeof BatchKind];

export function isBatchKind(value: number): value is BatchKindValue {
    return value >= 1 && value <= 4 && Number.isInteger(value);
}

/** Name of a kind for logs and metric labels. */
export function batchKindName(kind: BatchKindValue): keyof typeof BatchKind {
    return (["traces", "metrics", "logs", "kubeEvents"] as const)[kind - 1];
}
