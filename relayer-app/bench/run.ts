// `npm run bench`: every benchmark section in turn, each in its own processes, each printing its figures.
// Sections are independent; add new ones to SECTIONS (e.g. the LLM gateway overhead, issue 7).
import { gatewayBench } from "./gateway";
import { idleRssBench } from "./idle-rss";
import { otlpRelayBench } from "./otlp-relay";

interface BenchSection {
    name: string;
    run: () => Promise<void>;
}

const SECTIONS: BenchSection[] = [
    { name: "OTLP relay", run: otlpRelayBench },
    { name: "LLM gateway", run: gatewayBench },
    { name: "Idle RSS", run: idleRssBench },
];

async function main(): Promise<void> {
    const only = process.argv[2];
    for (const section of SECTIONS) {
        if (only && !section.name.toLowerCase().includes(only.toLowerCase())) continue;
        console.log(`\n=== ${section.name} ===`);
        await section.run();
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
