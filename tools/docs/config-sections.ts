// The sections of the stack config, in the order the README documents them (the same sections
// components/config.ts merges and validates).
import { generalSettingsShape } from "../../components/config";
import { edgeSettingsShape } from "../../components/edge/settings";
import { secretsSettingsShape } from "../../components/secrets/settings";
import { ConfigSection } from "./config-reference";

export const configSections: readonly ConfigSection[] = [
    { title: "General and workload", source: "components/config.ts", shape: generalSettingsShape },
    { title: "Secret store", source: "components/secrets/settings.ts", shape: secretsSettingsShape },
    { title: "Cloudflare edge", source: "components/edge/settings.ts", shape: edgeSettingsShape },
];
