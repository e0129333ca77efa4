// Child process for the gateway benchmark: the test suite's fake LLM upstream on 127.0.0.1, in its own process
// so its CPU is not shared with the load generator's event loop. Prints one JSON line with its base URL and
// serves until it is terminated.
import { startFakeUpstream } from "../test/fakes/fake-llm-upstream";

void (async () => {
    const upstream = await startFakeUpstream();
    process.stdout.write(`${JSON.stringify({ baseUrl: upstream.baseUrl("openai") })}\n`);
    process.on("SIGTERM", () => void upstream.stop().then(() => process.exit(0)));
})();
