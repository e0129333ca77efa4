// A TCP proxy on 127.0.0.1 that can cut connections after N bytes from the client: "connection cut mid-frame".
import * as net from "node:net";

export class CuttingProxy {
    private server: net.Server | undefined;
    private readonly sockets = new Set<net.Socket>();
    /** Byte budgets for the next connections (client → target direction); undefined = no cut. */
    readonly cutAfter: number[] = [];
    cuts = 0;
    port = 0;

    constructor(private readonly targetPort: number) {}

    async start(): Promise<void> {
        this.server = net.createServer((client) => {
            const budget = this.cutAfter.shift();
            const target = net.connect(this.targetPort, "127.0.0.1");
            this.sockets.add(client).add(target);
            let forwarded = 0;
            client.on("data", (chunk: Buffer) => {
                if (budget !== undefined && forwarded + chunk.length > budget) {
                    // Forward part of this chunk, then destroy both sides: the frame in transit is torn.
                    target.write(chunk.subarray(0, Math.max(0, budget - forwarded)), () => {
                        this.cuts++;
                        client.destroy();
                        target.destroy();
                    });
                    forwarded = budget;
                    return;
                }
                forwarded += chunk.length;
                target.write(chunk);
            });
            target.on("data", (chunk: Buffer) => client.write(chunk));
            const close = () => {
                client.destroy();
                target.destroy();
                this.sockets.delete(client);
                this.sockets.delete(target);
            };
            client.on("close", close).on("error", close);
            target.on("close", close).on("error", close);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", () => resolve()));
        this.port = (this.server.address() as net.AddressInfo).port;
    }

    async stop(): Promise<void> {
        for (const socket of this.sockets) socket.destroy();
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}
