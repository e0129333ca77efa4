// Where relayer pods run: spread across zones and hosts so one failure domain never takes all replicas.

/** Topology spread across zones (best effort: clusters may have fewer zones than replicas) and hosts. */
export function relayerTopologySpread(selector: Record<string, string>) {
    return [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: { ...selector } },
            // Count only pods of the current ReplicaSet, so a rollout does not skew the spread.
            matchLabelKeys: ["pod-template-hash"],
        },
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { ...selector } },
            matchLabelKeys: ["pod-template-hash"],
        },
    ];
}

/** Preferred (not required) anti-affinity: keep replicas on different nodes when the cluster allows it. */
export function relayerAntiAffinity(selector: Record<string, string>) {
    return {
        podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
                {
                    weight: 100,
                    podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { ...selector } } },
                },
            ],
        },
    };
}
