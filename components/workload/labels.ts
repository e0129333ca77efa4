// Labels of every object the workload creates. The selector subset must never change after the first deploy
// (Deployment selectors are immutable), so it is kept separate from the descriptive labels.

/** Value of `app.kubernetes.io/name` for the relayer. */
export const APP_NAME = "consonant-relayer";

/** The immutable pod selector: name + instance. */
export function relayerSelectorLabels(instance: string): Record<string, string> {
    return { "app.kubernetes.io/name": APP_NAME, "app.kubernetes.io/instance": instance };
}

/** Labels for every object of the workload (recommended `app.kubernetes.io/*` set). */
export function relayerLabels(instance: string): Record<string, string> {
    return {
        ...relayerSelectorLabels(instance),
        "app.kubernetes.io/component": "relayer",
        "app.kubernetes.io/part-of": "consonant",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}
